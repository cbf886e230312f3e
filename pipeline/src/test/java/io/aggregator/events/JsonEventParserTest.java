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

  /**
   * Every ill-formed UTF-8 form RFC 3629 rules out, inside a string value that would otherwise be
   * counted, is a reject; well-formed multi-byte characters, up to U+10FFFF, are kept.
   */
  @Test
  public void onlyWellFormedUtf8IsAnEvent() {
    int[][] illFormed = {
      {0xC0, 0xAF}, {0xC1, 0xBF}, // overlong 2-byte
      {0xE0, 0x80, 0xAF}, {0xE0, 0x9F, 0xBF}, // overlong 3-byte
      {0xF0, 0x80, 0x80, 0xAF}, {0xF0, 0x8F, 0xBF, 0xBF}, // overlong 4-byte
      {0xED, 0xA0, 0x80}, {0xED, 0xBF, 0xBF}, // UTF-16 surrogates
      {0xF4, 0x90, 0x80, 0x80}, {0xF7, 0xBF, 0xBF, 0xBF}, // above U+10FFFF
      {0xF8, 0x88, 0x80, 0x80, 0x80}, {0xFC, 0x84, 0x80, 0x80, 0x80, 0x80}, // 5- and 6-byte forms
      {0xE2, 0x82}, {0xF0, 0x9F, 0x98}, {0xC3}, // truncated
      {0x80}, {0xBF}, {0x61, 0x80, 0x61}, // stray continuation bytes
      {0xFE}, {0xFF},
    };
    for (int[] form : illFormed) {
      byte[] m = withUserId(form);
      ParsedEvent e = PARSER.parse(m);
      assertEquals(java.util.Arrays.toString(form), RejectReason.MALFORMED_JSON, e.reason());
      assertTrue(e.detail(), e.detail().startsWith("not well-formed UTF-8 at byte"));
    }
    int[][] wellFormed = {
      {0xC3, 0xA9}, {0xE2, 0x82, 0xAC}, {0xED, 0x9F, 0xBF}, {0xEE, 0x80, 0x80},
      {0xF0, 0x9D, 0x84, 0x9E}, {0xF4, 0x8F, 0xBF, 0xBF}, {0xC2, 0x80}, {0xE0, 0xA0, 0x80},
    };
    for (int[] form : wellFormed) {
      ParsedEvent e = PARSER.parse(withUserId(form));
      assertTrue(java.util.Arrays.toString(form), e.isEvent());
      assertEquals(new String(toBytes(form), StandardCharsets.UTF_8), e.row().getString("user_id"));
    }
  }

  static byte[] toBytes(int[] form) {
    byte[] b = new byte[form.length];
    for (int i = 0; i < form.length; i++) {
      b[i] = (byte) form[i];
    }
    return b;
  }

  /** {@code {"user_id": "<form>", "timestamp": ...}} */
  static byte[] withUserId(int[] form) {
    byte[] head = "{\"user_id\": \"".getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\", " + TS + "}").getBytes(StandardCharsets.UTF_8);
    byte[] m = new byte[head.length + form.length + tail.length];
    System.arraycopy(head, 0, m, 0, head.length);
    System.arraycopy(toBytes(form), 0, m, head.length, form.length);
    System.arraycopy(tail, 0, m, head.length + form.length, tail.length);
    return m;
  }

  /** Event times ahead of the clock by more than the skew, or beyond Beam's range, are rejects. */
  @Test
  public void impossibleEventTimesAreRejectsAndHistoricalOnesAreEvents() {
    JsonEventParser skew = new JsonEventParser(List.of(JsonField.parse("timestamp=$.timestamp")), 300_000L);
    long now = System.currentTimeMillis();
    assertTrue(skew.parse(at(String.valueOf(now + 60_000))).isEvent());
    assertTrue(skew.parse(at("\"1999-01-01T00:00:00Z\"")).isEvent());
    for (String t : new String[] {String.valueOf(now + 3_600_000), "\"2099-01-01T00:00:00Z\"",
        "\"9999-12-31T23:59:59Z\"", String.valueOf(now * 1000), String.valueOf(now * 1_000_000)}) {
      ParsedEvent e = skew.parse(at(t));
      assertEquals(t, RejectReason.FUTURE_TIMESTAMP, e.reason());
    }
    // Without a skew limit, only what Beam cannot represent is refused.
    assertTrue(PARSER.parse(at("\"9999-12-31T23:59:59Z\"")).isEvent());
    assertEquals(RejectReason.FUTURE_TIMESTAMP, PARSER.parse(at(String.valueOf(now * 1_000_000))).reason());
    assertEquals(RejectReason.BAD_TIMESTAMP, PARSER.parse(at(String.valueOf(-now * 1_000_000))).reason());
  }

  static byte[] at(String timestamp) {
    return ("{\"timestamp\": " + timestamp + "}").getBytes(StandardCharsets.UTF_8);
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
