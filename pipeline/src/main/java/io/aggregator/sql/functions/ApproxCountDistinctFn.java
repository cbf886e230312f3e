package io.aggregator.sql.functions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;
import org.apache.datasketches.memory.Memory;

/**
 * {@code APPROX_COUNT_DISTINCT(x)}: a HyperLogLog estimate of the distinct non-null values, in
 * fixed memory (about 2.5 KiB a group).
 *
 * <p>With {@code lgK = 12} (4,096 buckets) the relative standard error is 1.04/sqrt(4096) = 1.6%:
 * about two estimates in three are within 1.6% of the truth and 19 in 20 within 3.3%. Below a few
 * hundred distinct values the sketch is exact or nearly so.
 */
public class ApproxCountDistinctFn extends CombineFn<Object, HllSketch, Long> {

  /** log2 of the number of HLL buckets. */
  public static final int LG_K = 12;

  /** The documented relative standard error of the estimate. */
  public static final double RELATIVE_STANDARD_ERROR = 1.04 / Math.sqrt(1 << LG_K);

  @Override
  public HllSketch createAccumulator() {
    return new HllSketch(LG_K, TgtHllType.HLL_8);
  }

  @Override
  public HllSketch addInput(HllSketch acc, Object value) {
    if (value != null) {
      acc.update(SqlValues.normalize(value).toString());
    }
    return acc;
  }

  @Override
  public HllSketch mergeAccumulators(Iterable<HllSketch> accs) {
    Union union = new Union(LG_K);
    for (HllSketch a : accs) {
      union.update(a);
    }
    return union.getResult(TgtHllType.HLL_8);
  }

  @Override
  public Long extractOutput(HllSketch acc) {
    return Math.round(acc.getEstimate());
  }

  @Override
  public Coder<HllSketch> getAccumulatorCoder(CoderRegistry registry, Coder<Object> inputCoder) {
    return new SketchCoder();
  }

  @Override
  public Coder<Long> getDefaultOutputCoder(CoderRegistry registry, Coder<Object> inputCoder) {
    return org.apache.beam.sdk.coders.VarLongCoder.of();
  }

  /** Sketches travel in their compact serialized form. */
  static final class SketchCoder extends CustomCoder<HllSketch> {
    @Override
    public void encode(HllSketch value, OutputStream out) throws IOException {
      ByteArrayCoder.of().encode(value.toCompactByteArray(), out);
    }

    @Override
    public HllSketch decode(InputStream in) throws IOException {
      return HllSketch.heapify(Memory.wrap(ByteArrayCoder.of().decode(in)));
    }
  }
}
