package io.aggregator.sql.nested;

import static org.junit.Assert.assertEquals;

import io.aggregator.sql.QueryShape;
import org.junit.Test;

/** Which second queries may keep their rows per window, and which span windows. */
public class TableScopeTest {

  static final QueryShape PER_ITEM_5M =
      QueryShape.analyze("t.sql", "SELECT item_id, TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS ws,"
          + " COUNT(*) AS c FROM SOURCE GROUP BY item_id, TUMBLE(`timestamp`, INTERVAL '5' MINUTE)");

  static TableScope scope(String second) {
    return TableScope.of(second, PER_ITEM_5M);
  }

  @Test
  public void groupingByTheWindowStartIsPerWindow() {
    assertEquals(TableScope.PER_WINDOW, scope("SELECT ws, AVG(c) AS m FROM AGGREGATED GROUP BY ws"));
    assertEquals(TableScope.PER_WINDOW,
        scope("SELECT ws, item_id, MAX(c) AS m FROM AGGREGATED a WHERE c > 1 GROUP BY item_id, ws HAVING COUNT(*) > 0"));
  }

  @Test
  public void anythingThatMayRelateRowsOfSeveralWindowsSpansWindows() {
    assertEquals(TableScope.ACROSS_WINDOWS, scope("SELECT AVG(c) AS m FROM AGGREGATED"));
    assertEquals(TableScope.ACROSS_WINDOWS, scope("SELECT item_id, AVG(c) AS m FROM AGGREGATED GROUP BY item_id"));
    assertEquals(TableScope.ACROSS_WINDOWS,
        scope("SELECT ws, COUNT(*) AS n FROM AGGREGATED WHERE c > (SELECT AVG(c) FROM AGGREGATED) GROUP BY ws"));
    assertEquals(TableScope.ACROSS_WINDOWS,
        scope("SELECT ws, ROW_NUMBER() OVER (ORDER BY c) AS r FROM AGGREGATED GROUP BY ws, c"));
    assertEquals(TableScope.ACROSS_WINDOWS,
        scope("SELECT ws, SUM(c) AS s FROM AGGREGATED GROUP BY ws ORDER BY s DESC LIMIT 3"));
    assertEquals(TableScope.ACROSS_WINDOWS,
        scope("SELECT ws, SUM(c) AS s FROM (SELECT * FROM AGGREGATED) GROUP BY ws"));
  }

  @Test
  public void aFirstQueryWithoutWindowIsAllTimeAndSessionsAlwaysSpan() {
    assertEquals(TableScope.ALL_TIME,
        TableScope.of("SELECT SUM(c) AS s FROM AGGREGATED",
            QueryShape.analyze("t.sql", "SELECT item_id, COUNT(*) AS c FROM SOURCE GROUP BY item_id")));
    QueryShape sessions = QueryShape.analyze("t.sql",
        "SELECT user_id, SESSION_START(`timestamp`, INTERVAL '5' MINUTE) AS ws, COUNT(*) AS c"
            + " FROM SOURCE GROUP BY user_id, SESSION(`timestamp`, INTERVAL '5' MINUTE)");
    assertEquals(TableScope.ACROSS_WINDOWS,
        TableScope.of("SELECT ws, SUM(c) AS s FROM AGGREGATED GROUP BY ws", sessions));
  }
}
