package io.aggregator.events;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;

public class JsonEventParserTest {

  static final JsonEventParser PARSER =
      new JsonEventParser(List.of(
          JsonField.parse("user_id=$.user_id"),
          JsonField.parse("n:BIGINT=$.stats.n"),
          JsonField.parse("i:INTEGER=$.stats.i"),
          JsonField.parse("d:DOUBLE=$.stats.d"),
          JsonField.parse("b:BOOLEAN=$.flags[1]"),
          JsonField.parse("seen:TIMESTAMP=$.seen"),
          JsonField.parse("tags=$.tags"),
          JsonField.parse("odd=$['odd key']"),
          JsonField.parse("timestamp=$.timestamp")));

  static ParsedEvent parse(String json) {
    return PARSER.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  static final String TS = "\"timestamp\": \"2024-10-28T12:03:05.120Z\"";

  @Test
  public void everyTypeNestedPathsAndArrayIndices() {
    ParsedEvent e = parse("{\"user_id\": \"u-17\", \"stats\": {\"n\": 12345678901, \"i\": \"42\", \"d\": 2.5},"
        + " \"flags\": [false, true], \"seen\": 1730116985000, \"tags\": [\"a\", {\"b\": 1}],"
        + " \"odd key\": 7, \"ignored\": {\"deep\": [1, 2, {\"x\": null}]}, " + TS + "}");
    assertTrue(e.toString(), e.isEvent());
    Row r = e.row();
    assertEquals("u-17", r.getString("user_id"));
    assertEquals(Long.valueOf(12345678901L), r.getInt64("n"));
    assertEquals(Integer.valueOf(42), r.getInt32("i"));
    assertEquals(2.5, r.getDouble("d"), 0);
    assertEquals(Boolean.TRUE, r.getBoolean("b"));
    assertEquals(new Instant(1730116985000L), r.getDateTime("seen").toInstant());
    assertEquals("[\"a\",{\"b\":1}]", r.getString("tags"));
    assertEquals("7", r.getString("odd"));
    long t = java.time.Instant.parse("2024-10-28T12:03:05.120Z").toEpochMilli();
    assertEquals(t, e.eventTimeMillis());
    assertEquals(new Instant(t), r.getDateTime("timestamp").toInstant());
  }

  @Test
  public void missingAndNullValuesAreNull() {
    ParsedEvent e = parse("{\"user_id\": null, \"stats\": 5, " + TS + "}");
    assertTrue(e.isEvent());
    assertNull(e.row().getString("user_id"));
    assertNull(e.row().getInt64("n"));
    assertNull(e.row().getBoolean("b"));
  }

  static void assertReject(RejectReason reason, String json) {
    ParsedEvent e = parse(json);
    assertFalse(json, e.isEvent());
    assertEquals(json + " -> " + e.detail(), reason, e.reason());
  }

  @Test
  public void rejectsWithTheirReasons() {
    assertReject(RejectReason.MALFORMED_JSON, "{\"user_id\": ");
    assertReject(RejectReason.MALFORMED_JSON, "not json");
    assertReject(RejectReason.MALFORMED_JSON, "[1, 2]");
    assertReject(RejectReason.MALFORMED_JSON, "{" + TS + "} {}");
    assertReject(RejectReason.MISSING_TIMESTAMP, "{\"user_id\": \"u\"}");
    assertReject(RejectReason.MISSING_TIMESTAMP, "{\"timestamp\": null}");
    assertReject(RejectReason.MISSING_TIMESTAMP, "{\"timestamp\": \"  \"}");
    assertReject(RejectReason.BAD_TIMESTAMP, "{\"timestamp\": \"yesterday\"}");
    assertReject(RejectReason.BAD_TIMESTAMP, "{\"timestamp\": true}");
    assertReject(RejectReason.BAD_TIMESTAMP, "{\"timestamp\": \"2024-02-30T00:00:00Z\"}");
    assertReject(RejectReason.TYPE_MISMATCH, "{\"stats\": {\"n\": \"twelve\"}, " + TS + "}");
    assertReject(RejectReason.TYPE_MISMATCH, "{\"stats\": {\"n\": 1.5}, " + TS + "}");
    assertReject(RejectReason.TYPE_MISMATCH, "{\"stats\": {\"i\": 3000000000}, " + TS + "}");
    // Valid JSON with a 5,000-digit number: a value that does not fit, not malformed JSON.
    assertReject(RejectReason.TYPE_MISMATCH, "{\"stats\": {\"n\": " + "9".repeat(5_000) + "}, " + TS + "}");
    assertReject(RejectReason.TYPE_MISMATCH, "{\"stats\": {\"d\": [1]}, " + TS + "}");
    assertReject(RejectReason.TYPE_MISMATCH, "{\"flags\": [1, \"maybe\"], " + TS + "}");
    assertReject(RejectReason.TYPE_MISMATCH, "{\"seen\": \"later\", " + TS + "}");
    assertEquals(RejectReason.EMPTY_MESSAGE, PARSER.parse(new byte[0]).reason());
    assertEquals(RejectReason.EMPTY_MESSAGE, PARSER.parse(null).reason());
    assertEquals(RejectReason.MALFORMED_JSON, PARSER.parse(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}).reason());
    byte[] huge = new byte[JsonEventParser.MAX_MESSAGE_BYTES + 1];
    assertEquals(RejectReason.TOO_LARGE, PARSER.parse(huge).reason());
  }

  @Test
  public void numbersGivenAsStringsConvert() {
    ParsedEvent e = parse("{\"stats\": {\"n\": \" 7 \", \"d\": \"1e3\"}, \"flags\": [0, \"TRUE\"], " + TS + "}");
    assertEquals(Long.valueOf(7), e.row().getInt64("n"));
    assertEquals(1000.0, e.row().getDouble("d"), 0);
    assertEquals(Boolean.TRUE, e.row().getBoolean("b"));
  }

  static long millis(String iso) {
    return java.time.Instant.parse(iso).toEpochMilli();
  }

  @Test
  public void everyAcceptedTimestampForm() throws Exception {
    assertEquals(millis("2024-10-28T12:03:05.120Z"), EventTimes.parseMillis("2024-10-28T12:03:05.120Z"));
    assertEquals(millis("2024-10-28T12:03:05.120Z"), EventTimes.parseMillis("2024-10-28 12:03:05.120"));
    assertEquals(millis("2024-10-28T12:03:05Z"), EventTimes.parseMillis("2024-10-28T12:03:05"));
    assertEquals(millis("2024-10-28T12:03:00Z"), EventTimes.parseMillis("2024-10-28T12:03"));
    assertEquals(millis("2024-10-28T12:03:05.123Z"), EventTimes.parseMillis("2024-10-28T12:03:05.123456789Z"));
    assertEquals(millis("2024-10-28T12:03:05.100Z"), EventTimes.parseMillis("2024-10-28T12:03:05.1Z"));
    assertEquals(millis("2024-10-28T11:03:05Z"), EventTimes.parseMillis("2024-10-28T12:03:05+01:00"));
    assertEquals(millis("2024-10-28T13:33:05Z"), EventTimes.parseMillis("2024-10-28T12:03:05-0130"));
    assertEquals(millis("2024-10-28T10:03:05Z"), EventTimes.parseMillis("2024-10-28T12:03:05+02"));
    assertEquals(millis("2024-10-28T00:00:00Z"), EventTimes.parseMillis("2024-10-28"));
    assertEquals(millis("2024-02-29T00:00:00Z"), EventTimes.parseMillis("2024-02-29"));
    assertEquals(millis("1969-12-31T23:59:59Z"), EventTimes.parseMillis("1969-12-31T23:59:59Z"));
    assertEquals(1730116985120L, EventTimes.parseMillis("1730116985120"));
    for (String bad : new String[] {"", "2024-10-28T25:00:00Z", "2024-13-01", "2023-02-29", "2024-10-28T12:03:05Q",
        "2024-10-28X12:03", "2024/10/28", "12:03:05", "2024-10-28T12:03:05.Z", "2024-10-28T12:03:05+1"}) {
      assertThrows(bad, EventTimes.BadTimestampException.class, () -> EventTimes.parseMillis(bad));
    }
  }

  /** Agrees with java.time over many instants, including leap years and negative epochs. */
  @Test
  public void agreesWithJavaTime() throws Exception {
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 20_000; i++) {
      long ms = (long) (random.nextDouble() * 8_000_000_000_000L) - 2_000_000_000_000L;
      assertEquals(ms, EventTimes.parseMillis(java.time.Instant.ofEpochMilli(ms).toString()));
    }
  }

  @Test
  public void rawTextOfRejectsIsCutAndDecodesLeniently() {
    assertEquals("ab\uFFFD", EventTags.rawText(new byte[] {'a', 'b', (byte) 0xFF}));
    String cut = EventTags.rawText(new byte[20_000]);
    assertTrue(cut.endsWith("[20000 bytes in all]"));
    assertNull(EventTags.rawText(null));
  }
}
