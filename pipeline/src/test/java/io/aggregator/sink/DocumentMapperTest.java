package io.aggregator.sink;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.aggregator.events.EventTags;
import io.aggregator.events.RejectWriter;
import io.aggregator.sql.GroupId;
import io.aggregator.sql.QueryShape;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.bson.Document;
import org.joda.time.Instant;
import org.junit.Test;

public class DocumentMapperTest {

  static final long START = java.time.Instant.parse("2024-10-28T12:00:00Z").toEpochMilli();
  static final long END = START + 300_000;

  static final Schema WINDOWED = Schema.builder()
      .addStringField("item_id").addStringField("interaction_type")
      .addDateTimeField("window_start").addDateTimeField("window_end")
      .addInt64Field("interaction_count").addDecimalField("share").build();

  @Test
  public void derivedIdWindowNestingAndTypes() {
    DocumentMapper mapper = new DocumentMapper(
        QueryShape.of(true, List.of("item_id", "interaction_type"), "window_start", false));
    Row row = Row.withSchema(WINDOWED).addValues("i-4", "click", new Instant(START), new Instant(END), 42L,
        new BigDecimal("0.25")).build();
    Document expected = new Document("_id", "i-4#click#2024-10-28T12:00:00Z")
        .append("item_id", "i-4").append("interaction_type", "click")
        .append("window", new Document("start", new Date(START)).append("end", new Date(END)))
        .append("interaction_count", 42L).append("share", 0.25);
    assertEquals(expected, mapper.toDocument(row));
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(mapper.toDocument(row).keySet()));
  }

  @Test
  public void ownIdColumnWins() {
    Schema s = Schema.builder().addStringField("_id").addDoubleField("avg").build();
    DocumentMapper mapper = new DocumentMapper(QueryShape.of(false, List.of(), null, true));
    assertEquals(new Document("_id", "_id").append("avg", 2.5),
        mapper.toDocument(Row.withSchema(s).addValues("_id", 2.5).build()));
  }

  @Test
  public void windowOnlyAndWholeIds() {
    Schema s = Schema.builder().addDateTimeField("window_start").addInt64Field("c").build();
    DocumentMapper windowOnly = new DocumentMapper(QueryShape.of(true, List.of(), "window_start", false));
    assertEquals("2024-10-28T12:00:00Z",
        windowOnly.toDocument(Row.withSchema(s).addValues(new Instant(START), 1L).build()).get("_id"));
    Schema c = Schema.builder().addNullableField("k", Schema.FieldType.STRING).addInt64Field("c").build();
    DocumentMapper keyed = new DocumentMapper(QueryShape.of(false, List.of("k"), null, false));
    assertEquals("\\N", keyed.toDocument(Row.withSchema(c).addValues(null, 1L).build()).get("_id"));
    DocumentMapper whole = new DocumentMapper(QueryShape.of(false, List.of(), null, false));
    assertEquals(GroupId.WHOLE_ID, whole.toDocument(Row.withSchema(c).addValues("x", 1L).build()).get("_id"));
  }

  @Test
  public void consoleLinesAreReadable() {
    Document d = new Document("_id", "a").append("window", new Document("start", new Date(START)));
    assertEquals("_id=a window={start=2024-10-28T12:00:00Z}", PrintToConsole.format(d));
  }

  /** The console sink's rejects, written from inside Spark's replay read: one line each, on stderr. */
  @Test
  public void rejectsWrittenFromTheReadPrintAsTheRejectsStepPrintsThem() {
    Row reject = Row.withSchema(EventTags.REJECT_SCHEMA)
        .addValues("MALFORMED_JSON", "not JSON", "{x", "topic", 1, 7L).build();
    PrintStream standardError = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try (RejectWriter.Session session = new ConsoleRejectWriter().open()) {
      session.write(reject);
      session.flush();
    } finally {
      System.setErr(standardError);
    }
    String line = printed.toString(StandardCharsets.UTF_8);
    assertTrue(line, line.startsWith("[reject] _id=topic/1/7 reason=MALFORMED_JSON detail=not JSON raw={x"
        + " topic=topic partition=1 offset=7 rejected_at="));
    assertEquals(line, 1, line.lines().count());
  }
}
