package io.aggregator.sql;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.Rule;
import org.junit.Test;

/** The product's SQL functions, planned and run by Beam SQL over small tables. */
public class SqlFunctionsTest {

  /** Beam's test pipeline: it fails a test whose PAsserts never ran or whose graph was never run. */
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema EVENTS =
      Schema.builder()
          .addStringField("item_id")
          .addStringField("interaction_type")
          .addInt64Field("n")
          .addDoubleField("score")
          .build();

  static PCollection<Row> table(Pipeline p, Object[]... rows) {
    List<Row> list = new ArrayList<>();
    for (Object[] r : rows) {
      list.add(Row.withSchema(EVENTS).addValues(r).build());
    }
    return p.apply(Create.of(list).withRowSchema(EVENTS));
  }

  @Test
  public void countDistinctOfStringAndNumber() {
    PCollection<Row> out =
        table(p, new Object[] {"a", "click", 1L, 1.0}, new Object[] {"a", "view", 2L, 1.0},
            new Object[] {"b", "click", 1L, 2.0})
            .apply(new ApplySqlQuery(
                "SELECT COUNT_DISTINCT(item_id) AS items, COUNT_DISTINCT(n) AS ns, COUNT(*) AS c FROM SOURCE",
                SqlFile.SOURCE_TABLE));
    Schema s = Schema.builder().addNullableField("items", Schema.FieldType.INT64)
        .addNullableField("ns", Schema.FieldType.INT64).addInt64Field("c").build();
    PAssert.that(out).containsInAnyOrder(Row.withSchema(s).addValues(2L, 2L, 3L).build());
    p.run().waitUntilFinish();
  }

  static final Object[][] ROWS = {
    {"i-1", "click", 3L, 0.5},
    {"i-1", "view", 7L, 2.5},
    {"i-1", "like", 7L, 1.5},
    {"i-2", "share", 1L, 9.0},
    {"i-2", "click", 1L, 9.0},
  };

  /** x of the row with the largest (smallest) y; ties go to the smaller x. */
  @Test
  public void maxByAndMinByForEveryResultType() {
    PCollection<Row> out =
        table(p, ROWS)
            .apply(new ApplySqlQuery(
                "SELECT item_id, MAX_BY(interaction_type, n) AS top, MIN_BY(interaction_type, n) AS bottom,"
                    + " MAX_BY(n, score) AS n_of_best, MIN_BY(score, n) AS score_of_least"
                    + " FROM SOURCE GROUP BY item_id",
                SqlFile.SOURCE_TABLE));
    Schema s = Schema.builder().addStringField("item_id")
        .addNullableField("top", Schema.FieldType.STRING)
        .addNullableField("bottom", Schema.FieldType.STRING)
        .addNullableField("n_of_best", Schema.FieldType.INT64)
        .addNullableField("score_of_least", Schema.FieldType.DOUBLE).build();
    // i-1: n 7 is shared by like and view -> like (smaller); least n 3 -> click; best score 2.5 -> n 7;
    // least n 3 -> score 0.5. i-2: all ties -> click; scores tie at 9.0 -> n 1; n ties -> 9.0.
    PAssert.that(out).containsInAnyOrder(
        Row.withSchema(s).addValues("i-1", "like", "click", 7L, 0.5).build(),
        Row.withSchema(s).addValues("i-2", "click", "click", 1L, 9.0).build());
    p.run().waitUntilFinish();
  }

  @Test
  public void approxCountDistinctIsExactForFewValues() {
    PCollection<Row> out =
        table(p, ROWS)
            .apply(new ApplySqlQuery(
                "SELECT APPROX_COUNT_DISTINCT(interaction_type) AS types, approx_count_distinct(item_id) AS items FROM SOURCE",
                SqlFile.SOURCE_TABLE));
    Schema s = Schema.builder().addNullableField("types", Schema.FieldType.INT64)
        .addNullableField("items", Schema.FieldType.INT64).build();
    PAssert.that(out).containsInAnyOrder(Row.withSchema(s).addValues(4L, 2L).build());
    p.run().waitUntilFinish();
  }
}
