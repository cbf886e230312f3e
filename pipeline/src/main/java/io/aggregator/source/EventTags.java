package io.aggregator.source;

import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;

/** The two outputs of every event source: rows of table SOURCE, and rejects (SPEC §8). */
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
}
