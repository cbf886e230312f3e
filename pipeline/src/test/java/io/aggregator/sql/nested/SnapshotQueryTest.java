package io.aggregator.sql.nested;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;

/** The second query's engine on hand-made snapshots of AGGREGATED. */
public class SnapshotQueryTest {

  private static final Schema COUNTS =
      Schema.builder()
          .addNullableField("item_id", Schema.FieldType.STRING)
          .addNullableField("interaction_type", Schema.FieldType.STRING)
          .addNullableField("window_start", Schema.FieldType.DATETIME)
          .addNullableField("interaction_count", Schema.FieldType.INT64)
          .build();

  private static final Instant W0 = Instant.parse("2024-10-28T12:00:00Z");
  private static final Instant W1 = Instant.parse("2024-10-28T12:05:00Z");

  private static Row count(String item, String type, Instant window, long n) {
    return Row.withSchema(COUNTS).addValues(item, type, window, n).build();
  }

  private static final List<Row> TABLE =
      List.of(
          count("i-1", "click", W0, 3),
          count("i-1", "view", W0, 5),
          count("i-1", "like", W1, 5),
          count("i-2", "click", W0, 2),
          count("i-2", "view", W1, 1));

  @Test
  public void averagesOverTheWholeTable() {
    try (SnapshotQuery q =
        SnapshotQuery.prepare(
            "SELECT '_id' AS _id, AVG(CAST(interaction_count AS DOUBLE)) AS avg_count,"
                + " COUNT_DISTINCT(item_id) AS items, APPROX_COUNT_DISTINCT(item_id) AS approx"
                + " FROM AGGREGATED",
            COUNTS)) {
      List<Row> out = q.evaluate(TABLE);
      assertEquals(1, out.size());
      assertEquals("_id", out.get(0).getString("_id"));
      assertEquals(16.0 / 5, out.get(0).getDouble("avg_count"), 1e-12);
      assertEquals(2L, (long) out.get(0).getInt64("items"));
      assertEquals(2L, (long) out.get(0).getInt64("approx"));
      // A second snapshot through the same prepared query.
      List<Row> again = q.evaluate(TABLE.subList(0, 2));
      assertEquals(4.0, again.get(0).getDouble("avg_count"), 1e-12);
    }
  }

  @Test
  public void maxByAndMinByBreakTiesToTheSmallerValue() {
    try (SnapshotQuery q =
        SnapshotQuery.prepare(
            "SELECT item_id AS _id, MAX_BY(interaction_type, interaction_count) AS most,"
                + " MIN_BY(interaction_type, interaction_count) AS least, MAX(interaction_count) AS top"
                + " FROM AGGREGATED GROUP BY item_id ORDER BY item_id",
            COUNTS)) {
      List<Row> out = q.evaluate(TABLE);
      assertEquals(2, out.size());
      assertEquals("like", out.get(0).getString("most")); // like 5 = view 5: the smaller name
      assertEquals("click", out.get(0).getString("least"));
      assertEquals(5L, (long) out.get(0).getInt64("top"));
      assertEquals("click", out.get(1).getString("most"));
      assertEquals("view", out.get(1).getString("least"));
    }
  }

  @Test
  public void windowColumnsStayUtcInstants() {
    try (SnapshotQuery q =
        SnapshotQuery.prepare(
            "SELECT window_start, SUM(interaction_count) AS total FROM AGGREGATED"
                + " GROUP BY window_start ORDER BY window_start",
            COUNTS)) {
      List<Row> out = q.evaluate(TABLE);
      assertEquals(Schema.FieldType.DATETIME.withNullable(true), q.resultSchema().getField("window_start").getType());
      assertEquals(W0, out.get(0).getDateTime("window_start").toInstant());
      assertEquals(10L, (long) out.get(0).getInt64("total"));
      assertEquals(W1, out.get(1).getDateTime("window_start").toInstant());
    }
  }

  @Test
  public void rowNumberOverWorks() {
    try (SnapshotQuery q =
        SnapshotQuery.prepare(
            "SELECT item_id, interaction_type FROM (SELECT item_id, interaction_type,"
                + " ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY interaction_count DESC,"
                + " interaction_type) AS rn FROM AGGREGATED) WHERE rn = 1 ORDER BY item_id",
            COUNTS)) {
      List<Row> out = q.evaluate(TABLE);
      assertEquals(2, out.size());
      assertEquals("like", out.get(0).getString("interaction_type"));
      assertEquals("click", out.get(1).getString("interaction_type"));
    }
  }

  @Test
  public void aBadColumnIsReportedWithItsPosition() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SnapshotQuery.prepare("\n\nSELECT itemid FROM AGGREGATED", COUNTS));
    assertTrue(e.getMessage(), e.getMessage().contains("From line 3, column 8"));
    assertTrue(e.getMessage(), e.getMessage().contains("itemid"));
  }
}
