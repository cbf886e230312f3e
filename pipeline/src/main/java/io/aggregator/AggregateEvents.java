package io.aggregator;

import io.aggregator.events.EventTags;
import io.aggregator.options.JobSettings;
import io.aggregator.sql.ApplySqlQuery;
import io.aggregator.sql.EventCount;
import io.aggregator.sql.QueryShape;
import io.aggregator.sql.SqlFile;
import io.aggregator.sql.nested.ApplyNestedQuery;
import io.aggregator.time.ApplyTriggerPolicy;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;

/**
 * The whole job as one transform: events from the injected source, rejects to their sink, the
 * trigger policy, the SQL file's query, its {@code for_each_batch} query over snapshots of
 * AGGREGATED when it has one, and the results to their sink. The real job applies it with Kafka
 * and MongoDB; {@link JobPlan} applies it to an empty input to check the SQL at start; tests apply
 * it with a TestStream and a capturing sink.
 */
public final class AggregateEvents extends PTransform<PBegin, PCollection<Row>> {

  private final SqlFile sqlFile;
  private final QueryShape shape;
  private final Schema sourceSchema;
  private final JobSettings settings;
  private final PTransform<PBegin, PCollectionTuple> source;
  private final PTransform<PCollection<Row>, PDone> resultsSink;
  private final PTransform<PCollection<Row>, PDone> rejectsSink;

  /**
   * @param shape the shape of the file's first query
   * @param sourceSchema the columns of table SOURCE
   * @param settings the write method, batch interval and retention the graph is built with
   * @param source emits {@link EventTags#EVENTS} (rows of SOURCE stamped with their event time, the
   *     watermark lagging as {@code --allowLateFor} says) and {@link EventTags#REJECTS}, unless it
   *     writes its rejects itself
   * @param resultsSink takes the rows of the query whose results are written (the nested one when
   *     the file has one)
   * @param rejectsSink takes {@link EventTags#REJECT_SCHEMA} rows
   */
  public AggregateEvents(
      SqlFile sqlFile,
      QueryShape shape,
      Schema sourceSchema,
      JobSettings settings,
      PTransform<PBegin, PCollectionTuple> source,
      PTransform<PCollection<Row>, PDone> resultsSink,
      PTransform<PCollection<Row>, PDone> rejectsSink) {
    this.sqlFile = sqlFile;
    this.shape = shape;
    this.sourceSchema = sourceSchema;
    this.settings = settings;
    this.source = source;
    this.resultsSink = resultsSink;
    this.rejectsSink = rejectsSink;
  }

  @Override
  public PCollection<Row> expand(PBegin input) {
    PCollectionTuple read = input.apply("ReadEvents", source);
    if (read.has(EventTags.REJECTS)) { // a source may write its rejects itself (events.RejectWriter)
      withSchema(read.get(EventTags.REJECTS), EventTags.REJECT_SCHEMA)
          .apply("WriteRejects", rejectsSink);
    }
    ApplyTriggerPolicy triggers =
        new ApplyTriggerPolicy(settings.writeMethod(), shape.windowed(), settings.batchInterval());
    PCollection<Row> results =
        withSchema(read.get(EventTags.EVENTS), sourceSchema)
            .apply("ApplyTriggerPolicy", triggers)
            .apply("AggregateWithSql",
                new ApplySqlQuery(EventCount.countEvents(sqlFile.mainQuery()), SqlFile.SOURCE_TABLE));
    if (sqlFile.hasNestedQuery()) {
      results = results.apply("AggregateEachBatch",
          new ApplyNestedQuery(sqlFile.nestedQuery(), shape, settings.batchInterval(),
              triggers.trigger(), settings.aggregatedRetention()));
    }
    results.apply("WriteResults", resultsSink);
    return results;
  }

  /** {@code rows} with {@code schema}: a source's outputs carry it, or get it here. */
  private static PCollection<Row> withSchema(PCollection<Row> rows, Schema schema) {
    return rows.hasSchema() && rows.getSchema().equals(schema) ? rows : rows.setRowSchema(schema);
  }
}
