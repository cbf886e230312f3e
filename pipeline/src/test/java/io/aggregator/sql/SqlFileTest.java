package io.aggregator.sql;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.aggregator.events.JsonField;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.Test;

public class SqlFileTest {

  static final String QUERY =
      "-- header comment; with a semicolon\n"
          + "SELECT item_id, /* inline */ COUNT(*) AS c\n"
          + "FROM SOURCE -- trailing\n"
          + "GROUP BY item_id;\n";

  @Test
  public void commentsBlankedAndTrailingSemicolonDropped() {
    SqlFile f = SqlFile.parse("q.sql", QUERY);
    assertFalse(f.hasNestedQuery());
    assertNull(f.nestedQuery());
    assertEquals(QUERY, f.text());
    // Same lines as the file: positions in planner messages are positions in the file.
    assertEquals(4, f.mainQuery().split("\n", -1).length);
    assertThat(f.mainQuery(), startsWith("  "));
    assertFalse(f.mainQuery().contains(";"));
    assertFalse(f.mainQuery().contains("inline"));
    assertTrue(f.mainQuery().contains("GROUP BY item_id"));
  }

  @Test
  public void quotesProtectCommentMarkersAndSemicolons() {
    SqlFile f = SqlFile.parse("q.sql", "SELECT '--not;a comment' AS s, `a--b` FROM SOURCE");
    assertTrue(f.mainQuery().contains("'--not;a comment'"));
    assertTrue(f.mainQuery().contains("`a--b`"));
  }

  @Test
  public void nestedBlockIsSplitOut() {
    SqlFile f = SqlFile.parse("n.sql",
        "SELECT item_id, COUNT(*) AS c FROM SOURCE GROUP BY item_id\n"
            + "-- for_each_batch\n"
            + "SELECT AVG(c) AS a FROM AGGREGATED;\n"
            + "-- end_for\n");
    assertTrue(f.hasNestedQuery());
    assertEquals(3, f.nestedLine());
    assertEquals("\n\nSELECT AVG(c) AS a FROM AGGREGATED", f.nestedQuery());
  }

  static String error(String text) {
    return assertThrows(SqlFileException.class, () -> SqlFile.parse("bad.sql", text)).getMessage();
  }

  @Test
  public void malformedFilesNameFileAndLine() {
    assertEquals("bad.sql:1: the file holds no query", error("-- nothing\n"));
    assertThat(error("SELECT 1 FROM SOURCE;\nSELECT 2 FROM SOURCE"), startsWith("bad.sql:1: one query per file"));
    assertThat(error("SELECT 1\nFROM SOURCE\n-- for_each_batch\nSELECT 2 FROM AGGREGATED"), startsWith("bad.sql:3:"));
    assertThat(error("SELECT 1 FROM SOURCE\n-- end_for"), startsWith("bad.sql:2:"));
    assertThat(error("SELECT 1 FROM SOURCE\n/* open"), startsWith("bad.sql:2: unclosed"));
    assertThat(error("SELECT 1 FROM SOURCE\n-- for_each_batch\nSELECT 2\n-- end_for\nSELECT 3"), startsWith("bad.sql:5:"));
    assertThat(assertThrows(SqlFileException.class, () -> SqlFile.read("/no/such/file.sql")).getMessage(),
        containsString("no such file"));
  }

  @Test
  public void queryIdIsStableAndChangesWithSqlFieldsOrDeployment() {
    List<JsonField> fields = List.of(JsonField.parse("item_id=$.item_id"), JsonField.parse("timestamp=$.timestamp"));
    SortedMap<String, String> staging = new TreeMap<>(Map.of("topic", "t-staging", "destination", "d.c"));
    String id = QueryId.of(QUERY, fields, staging);
    assertEquals(QueryId.LENGTH, id.length());
    assertEquals(id, QueryId.of(QUERY, fields, new TreeMap<>(Map.of("destination", "d.c", "topic", "t-staging"))));
    assertEquals(id, QueryId.of(QUERY.replace("\n", "\r\n"), fields, staging));
    assertNotEquals(id, QueryId.of(QUERY + " ", fields, staging));
    assertNotEquals(id, QueryId.of(QUERY, List.of(JsonField.parse("item_id=$.item"), JsonField.parse("timestamp=$.timestamp")), staging));
    assertNotEquals("another topic is another query", id,
        QueryId.of(QUERY, fields, new TreeMap<>(Map.of("topic", "t-production", "destination", "d.c"))));
    assertEquals("aggregator-" + id, QueryId.consumerGroup(id));
  }

  @Test
  public void shapeOfWindowedWholeAndIdQueries() {
    QueryShape w = QueryShape.analyze("f", "SELECT item_id AS item, interaction_type,"
        + " TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS window_start, COUNT(*) AS c FROM SOURCE"
        + " GROUP BY item_id, interaction_type, TUMBLE(`timestamp`, INTERVAL '5' MINUTE)");
    assertTrue(w.windowed());
    assertEquals(List.of("item", "interaction_type"), w.keyColumns());
    assertEquals("window_start", w.windowStartColumn());
    assertFalse(w.hasIdColumn());

    QueryShape whole = QueryShape.analyze("f", "SELECT '_id' AS _id, COUNT(*) AS c FROM SOURCE");
    assertFalse(whole.windowed());
    assertTrue(whole.hasIdColumn());
    assertEquals(List.of(), whole.keyColumns());

    QueryShape hop = QueryShape.analyze("f", "SELECT HOP_START(`timestamp`, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE) AS ws,"
        + " COUNT(*) AS c FROM SOURCE GROUP BY HOP(`timestamp`, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)");
    assertTrue(hop.windowed());
    assertEquals("ws", hop.windowStartColumn());
  }

  @Test
  public void groupWindowIntervalsInBeamSqlOrder() {
    assertNull(QueryShape.analyze("f", "SELECT '_id' AS _id, COUNT(*) AS c FROM SOURCE").groupWindow());
    assertEquals(
        new GroupWindow(GroupWindow.Kind.TUMBLE, 300_000, 300_000, 0),
        window("TUMBLE", "INTERVAL '5' MINUTE"));
    assertEquals(
        new GroupWindow(GroupWindow.Kind.TUMBLE, 300_000, 300_000, 60_000),
        window("TUMBLE", "INTERVAL '5' MINUTE, INTERVAL '1' MINUTE"));
    // HOP(ts, slide, size): every minute, the last five minutes.
    assertEquals(
        new GroupWindow(GroupWindow.Kind.HOP, 300_000, 60_000, 0),
        window("HOP", "INTERVAL '1' MINUTE, INTERVAL '5' MINUTE"));
    assertEquals(
        new GroupWindow(GroupWindow.Kind.SESSION, 30_000, 0, 0),
        window("SESSION", "INTERVAL '30' SECOND"));
  }

  @Test
  public void sessionEndIsRefusedAtItsLine() {
    SqlFileException e = assertThrows(SqlFileException.class, () -> QueryShape.analyze("s.sql",
        "SELECT user_id,\n SESSION_START(`timestamp`, INTERVAL '1' MINUTE) AS ws,\n"
            + " SESSION_END(`timestamp`, INTERVAL '1' MINUTE) AS we, COUNT(*) AS c\nFROM SOURCE"
            + " GROUP BY user_id, SESSION(`timestamp`, INTERVAL '1' MINUTE)"));
    assertThat(e.getMessage(), startsWith("s.sql:3:"));
    assertThat(e.getMessage(), containsString("MAX(`timestamp`)"));
  }

  private static GroupWindow window(String fn, String intervals) {
    String call = fn + "(`timestamp`, " + intervals + ")";
    return QueryShape.analyze("f", "SELECT " + fn + "_START(`timestamp`, " + intervals + ") AS ws,"
        + " COUNT(*) AS c FROM SOURCE GROUP BY " + call).groupWindow();
  }

  @Test
  public void unkeyableQueriesAreRefusedAtTheirLine() {
    SqlFileException e = assertThrows(SqlFileException.class, () -> QueryShape.analyze("f.sql",
        "SELECT COUNT(*) AS c\nFROM SOURCE\nGROUP BY item_id"));
    assertThat(e.getMessage(), startsWith("f.sql:3: GROUP BY item_id is not selected"));
    e = assertThrows(SqlFileException.class, () -> QueryShape.analyze("f.sql",
        "SELECT COUNT(*) AS c FROM SOURCE\nGROUP BY TUMBLE(`timestamp`, INTERVAL '5' MINUTE)"));
    assertThat(e.getMessage(), containsString("TUMBLE_START"));
    e = assertThrows(SqlFileException.class, () -> QueryShape.analyze("f.sql", "SELECT FROM WHERE"));
    assertThat(e.getMessage(), startsWith("f.sql:1:"));
  }
}
