package io.aggregator.sink;

import io.aggregator.metrics.JobMetrics;
import io.aggregator.sql.EventCount;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;

/**
 * Upserts rows into a MongoDB collection by {@code _id} (docs/semantics.md, "Output documents"): each document replaces the one
 * with its id, so replaying events never duplicates and the last pane written is the result.
 *
 * <p>Never backwards (docs/semantics.md, "Restarts"): a document with an {@link EventCount#COLUMN}
 * count replaces only a stored one that reflects no more events; the others are kept, counted in
 * {@link JobMetrics#DOCUMENTS_KEPT} and named in the log. The stored counts of a batch are read
 * with one query by id before it is written. Why not a condition in each write's filter, atomic
 * against any writer: the MongoDB-wire server of the tests and benchmarks then scans the whole
 * collection for every write (40 times slower at 5,000 documents), while the job is the only
 * writer of its documents (one job per query id and collection).
 *
 * <p>Writes go in unordered bulk writes of up to {@link MongoTarget#batchSize()} documents. Within
 * a batch only the latest pane of each id is kept: unordered writes may apply in any order, and an
 * earlier pane must never overwrite a later one. Transient failures (server unreachable, timeouts)
 * are retried with exponential back-off for {@link MongoTarget#retryBudgetMillis()} ({@code
 * --retryBudget}); then the job fails with the cause rather than dropping results, and the other
 * writes to that server fail at once ({@link GivenUpServers}). While a write is
 * retried its bundle is not committed, so the runner holds the input back: nothing is lost, the
 * job waits. The writing itself is {@link MongoBatchWriter}'s.
 */
public class WriteToMongo extends PTransform<PCollection<Row>, PDone> {

  private final MongoTarget target;
  private final RowToDocument toDocument;
  private final String counterName;

  /**
   * @param counterName the metric counting documents written ({@code documents_written} ...)
   */
  public WriteToMongo(MongoTarget target, RowToDocument toDocument, String counterName) {
    this.target = target;
    this.toDocument = toDocument;
    this.counterName = counterName;
  }

  @Override
  public PDone expand(PCollection<Row> input) {
    input.apply("UpsertDocuments", ParDo.of(new UpsertDocumentsFn(target, toDocument, counterName)));
    return PDone.in(input.getPipeline());
  }

  static class UpsertDocumentsFn extends DoFn<Row, Void> {
    private final MongoTarget target;
    private final RowToDocument toDocument;
    private final String counterName;
    private transient MongoBatchWriter writer;

    UpsertDocumentsFn(MongoTarget target, RowToDocument toDocument, String counterName) {
      this.target = target;
      this.toDocument = toDocument;
      this.counterName = counterName;
    }

    @Setup
    public void setup() {
      writer = new MongoBatchWriter(target, counterName);
    }

    @StartBundle
    public void startBundle() {
      writer.discard();
    }

    @ProcessElement
    public void process(@Element Row row, PaneInfo pane) {
      writer.add(toDocument.apply(row), pane.getIndex());
    }

    @FinishBundle
    public void finishBundle() {
      writer.flush();
    }

    @Teardown
    public void teardown() {
      if (writer != null) {
        writer.close();
      }
    }
  }
}
