package io.aggregator.events;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;

/** The two outputs of every event source: rows of table SOURCE, and rejects (docs/semantics.md, "Bad input"). */
public final class EventTags {

  public static final TupleTag<Row> EVENTS = new TupleTag<Row>() {};
  public static final TupleTag<Row> REJECTS = new TupleTag<Row>() {};

  /** Longest raw value kept with a reject; the rest is cut and marked. */
  public static final int MAX_RAW_CHARS = 2000;

  /** One rejected message: why, the raw value, and where it came from. */
  public static final Schema REJECT_SCHEMA =
      Schema.builder()
          .addStringField("reason")
          .addStringField("detail")
          .addNullableField("raw", Schema.FieldType.STRING)
          .addStringField("topic")
          .addInt32Field("partition")
          .addInt64Field("offset")
          .build();

  private EventTags() {}

  /** The reject row of a message that is not an event, read from {@code topic/partition@offset}. */
  public static Row rejectRow(ParsedEvent e, String topic, int partition, long offset) {
    return Row.withSchema(REJECT_SCHEMA)
        .addValues(e.reason().name(), e.detail(), rawText(e.raw()), topic, partition, offset)
        .build();
  }

  /** The raw value as text: invalid UTF-8 shown as U+FFFD, cut at {@link EventTags#MAX_RAW_CHARS}. */
  public static String rawText(byte[] raw) {
    if (raw == null) {
      return null;
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    String text;
    try {
      CharBuffer chars = decoder.decode(ByteBuffer.wrap(raw, 0, Math.min(raw.length, 4 * MAX_RAW_CHARS)));
      text = chars.toString();
    } catch (CharacterCodingException e) {
      text = "";
    }
    if (text.length() > MAX_RAW_CHARS || raw.length > 4 * MAX_RAW_CHARS) {
      return text.substring(0, Math.min(text.length(), MAX_RAW_CHARS))
          + "… [" + raw.length + " bytes in all]";
    }
    return text;
  }
}
