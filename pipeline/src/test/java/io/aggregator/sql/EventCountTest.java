package io.aggregator.sql;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

/** Where the {@code _events} column goes, and which queries are left as they are. */
public class EventCountTest {

  @Test
  public void countGoesAfterTheLastItemOfTheOuterSelectWithoutMovingLines() {
    String query = "SELECT\n  item_id,\n  COUNT(*) AS interaction_count\nFROM SOURCE\nGROUP BY item_id";
    assertEquals(
        "SELECT\n  item_id,\n  COUNT(*) AS interaction_count, COUNT(*) AS _events\nFROM SOURCE\nGROUP BY item_id",
        EventCount.countEvents(query));
  }

  @Test
  public void aWholeAggregationWithoutGroupByIsCountedToo() {
    assertEquals("SELECT '_id' AS _id, AVG(c) AS a, SUM(_events) AS _events FROM AGGREGATED",
        EventCount.sumCounts("SELECT '_id' AS _id, AVG(c) AS a FROM AGGREGATED"));
    assertEquals("SELECT `x`, MAX(y), COUNT(*) AS _events FROM SOURCE GROUP BY `x` ORDER BY `x`",
        EventCount.countEvents("SELECT `x`, MAX(y) FROM SOURCE GROUP BY `x` ORDER BY `x`"));
  }

  @Test
  public void queriesThatDoNotAggregateOrCountThemselvesAreLeftAlone() {
    for (String q : new String[] {
        "SELECT * FROM AGGREGATED",
        "SELECT item_id, ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY c) AS rn FROM AGGREGATED",
        "SELECT DISTINCT item_id FROM SOURCE",
        "SELECT item_id, COUNT(*) AS _events FROM SOURCE GROUP BY item_id",
        "SELECT a FROM SOURCE UNION SELECT b FROM SOURCE",
        "not sql at all"}) {
      assertEquals(q, q, EventCount.countEvents(q));
    }
  }
}
