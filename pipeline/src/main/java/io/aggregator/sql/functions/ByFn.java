package io.aggregator.sql.functions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.sdk.values.Row;

/**
 * {@code MAX_BY(x, y)} and {@code MIN_BY(x, y)}: the {@code x} of the row with the largest (or
 * smallest) {@code y}; among rows with the same {@code y}, the smaller {@code x}, so the result
 * does not depend on arrival order. Rows whose {@code x} or {@code y} is null are skipped (Beam SQL
 * passes both arguments as one row and leaves out rows with a null).
 */
public class ByFn extends CombineFn<Row, ByFn.Best, Object> {

  private final boolean max;
  private final SqlValues.Kind resultKind;

  private ByFn(boolean max, SqlValues.Kind resultKind) {
    this.max = max;
    this.resultKind = resultKind;
  }

  public static ByFn maxBy(SqlValues.Kind resultKind) {
    return new ByFn(true, resultKind);
  }

  public static ByFn minBy(SqlValues.Kind resultKind) {
    return new ByFn(false, resultKind);
  }

  /** The best (x, y) seen so far; both null while nothing was seen. */
  public static final class Best {
    Object x;
    Object y;
  }

  @Override
  public Best createAccumulator() {
    return new Best();
  }

  @Override
  public Best addInput(Best acc, Row input) {
    offer(acc, input.getValue(0), input.getValue(1));
    return acc;
  }

  private void offer(Best acc, Object x, Object y) {
    offer(acc, max, x, y);
  }

  /** Keeps in {@code acc} the better of its pair and (x, y); shared with the snapshot engine. */
  static void offer(Best acc, boolean max, Object x, Object y) {
    if (x == null || y == null) {
      return;
    }
    x = SqlValues.normalize(x);
    y = SqlValues.normalize(y);
    if (acc.y == null) {
      acc.x = x;
      acc.y = y;
      return;
    }
    int byY = SqlValues.compare(y, acc.y);
    if ((max ? byY > 0 : byY < 0) || (byY == 0 && SqlValues.compare(x, acc.x) < 0)) {
      acc.x = x;
      acc.y = y;
    }
  }

  @Override
  public Best mergeAccumulators(Iterable<Best> accs) {
    Best merged = new Best();
    for (Best a : accs) {
      offer(merged, a.x, a.y);
    }
    return merged;
  }

  @Override
  public Object extractOutput(Best acc) {
    return SqlValues.convert(acc.x, resultKind);
  }

  @Override
  public Coder<Best> getAccumulatorCoder(CoderRegistry registry, Coder<Row> inputCoder) {
    return new BestCoder();
  }

  static final class BestCoder extends CustomCoder<Best> {
    @Override
    public void encode(Best value, OutputStream out) throws IOException {
      AnyValueCoder.INSTANCE.encode(value.x, out);
      AnyValueCoder.INSTANCE.encode(value.y, out);
    }

    @Override
    public Best decode(InputStream in) throws IOException {
      Best b = new Best();
      b.x = AnyValueCoder.INSTANCE.decode(in);
      b.y = AnyValueCoder.INSTANCE.decode(in);
      return b;
    }
  }
}
