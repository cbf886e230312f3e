package io.aggregator.events;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.schemas.Schema;

/** A compact coder for {@link ParsedEvent}: a tag byte, then the row or the reject's parts. */
public final class ParsedEventCoder extends CustomCoder<ParsedEvent> {

  private static final VarLongCoder LONG = VarLongCoder.of();
  private static final StringUtf8Coder STRING = StringUtf8Coder.of();
  private static final NullableCoder<byte[]> BYTES = NullableCoder.of(ByteArrayCoder.of());

  private final RowCoder rowCoder;

  private ParsedEventCoder(Schema schema) {
    this.rowCoder = RowCoder.of(schema);
  }

  public static ParsedEventCoder of(Schema schema) {
    return new ParsedEventCoder(schema);
  }

  @Override
  public void encode(ParsedEvent value, OutputStream out) throws IOException {
    if (value.isEvent()) {
      out.write(1);
      LONG.encode(value.eventTimeMillis(), out);
      rowCoder.encode(value.row(), out);
    } else {
      out.write(0);
      STRING.encode(value.reason().name(), out);
      STRING.encode(value.detail(), out);
      BYTES.encode(value.raw(), out);
    }
  }

  @Override
  public ParsedEvent decode(InputStream in) throws IOException {
    int tag = in.read();
    if (tag == 1) {
      long eventTime = LONG.decode(in);
      return ParsedEvent.event(rowCoder.decode(in), eventTime);
    }
    if (tag != 0) {
      throw new IOException("corrupt ParsedEvent encoding, tag " + tag);
    }
    RejectReason reason = RejectReason.valueOf(STRING.decode(in));
    String detail = STRING.decode(in);
    return ParsedEvent.reject(reason, detail, BYTES.decode(in));
  }

  @Override
  public void verifyDeterministic() throws NonDeterministicException {
    rowCoder.verifyDeterministic();
  }
}
