package io.aggregator.sql.functions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * Encodes the SQL values our aggregate functions keep in their accumulators (string, integers,
 * double, boolean, timestamp, decimal, null) with a one-byte type tag, so one accumulator coder
 * serves every column type.
 */
final class AnyValueCoder extends CustomCoder<Object> {

  static final AnyValueCoder INSTANCE = new AnyValueCoder();

  private AnyValueCoder() {}

  @Override
  public void encode(Object value, OutputStream out) throws IOException {
    if (value == null) {
      out.write(0);
    } else if (value instanceof String) {
      out.write(1);
      StringUtf8Coder.of().encode((String) value, out);
    } else if (value instanceof Long) {
      out.write(2);
      VarLongCoder.of().encode((Long) value, out);
    } else if (value instanceof Integer) {
      out.write(3);
      VarIntCoder.of().encode((Integer) value, out);
    } else if (value instanceof Double) {
      out.write(4);
      DoubleCoder.of().encode((Double) value, out);
    } else if (value instanceof Boolean) {
      out.write(5);
      BooleanCoder.of().encode((Boolean) value, out);
    } else if (value instanceof ReadableInstant) {
      out.write(6);
      VarLongCoder.of().encode(((ReadableInstant) value).getMillis(), out);
    } else if (value instanceof BigDecimal) {
      out.write(7);
      BigDecimalCoder.of().encode((BigDecimal) value, out);
    } else if (value instanceof Short || value instanceof Byte) {
      out.write(3);
      VarIntCoder.of().encode(((Number) value).intValue(), out);
    } else if (value instanceof Float) {
      out.write(4);
      DoubleCoder.of().encode(((Float) value).doubleValue(), out);
    } else {
      throw new IOException("cannot encode a value of " + value.getClass().getName());
    }
  }

  @Override
  public Object decode(InputStream in) throws IOException {
    int tag = in.read();
    switch (tag) {
      case 0:
        return null;
      case 1:
        return StringUtf8Coder.of().decode(in);
      case 2:
        return VarLongCoder.of().decode(in);
      case 3:
        return VarIntCoder.of().decode(in);
      case 4:
        return DoubleCoder.of().decode(in);
      case 5:
        return BooleanCoder.of().decode(in);
      case 6:
        return new Instant(VarLongCoder.of().decode(in));
      case 7:
        return BigDecimalCoder.of().decode(in);
      default:
        throw new IOException("corrupt value encoding, tag " + tag);
    }
  }

  @Override
  public void verifyDeterministic() {}
}
