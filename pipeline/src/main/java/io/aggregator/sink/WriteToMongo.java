package io.aggregator.sink;

import io.aggregator.metrics.JobMetrics;
import com.mongodb.ConnectionString;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upserts rows into a MongoDB collection by {@code _id} (docs/semantics.md, "Output documents"): each document replaces the one
 * with its id, so replaying events never duplicates and the last pane written is the result.
 *
 * <p>Writes go in unordered bulk writes of up to {@link MongoTarget#batchSize()} documents. Within
 * a batch only the latest pane of each id is kept: unordered writes may apply in any order, and an
 * earlier pane must never overwrite a later one. Transient failures (server unreachable, timeouts)
 * are retried with exponential back-off for {@link MongoTarget#retryBudgetMillis()} ({@code
 * --retryBudget}); then the job fails with the cause rather than dropping results, and the other
 * writes to that server fail at once ({@link GivenUpServers}). While a write is
 * retried its bundle is not committed, so the runner holds the input back: nothing is lost, the
 * job waits.
 */
public class WriteToMongo extends PTransform<PCollection<Row>, PDone> {

  /** Counter of bulk writes retried. */
  public static final String WRITE_RETRIES = "mongo_write_retries";

  /** Counter of milliseconds spent in bulk writes, retries included. */
  public static final String WRITE_MILLIS = "mongo_write_millis";

  /** The longest wait between two attempts. */
  static final long MAX_BACKOFF_MILLIS = 5_000L;

  /**
   * The driver's server selection timeout (30 s by default) bounds one attempt against a server
   * that is down; a shorter one keeps the retry budget close to what the user set.
   */
  static final long SERVER_SELECTION_MILLIS = 5_000L;

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
    private static final Logger LOG = LoggerFactory.getLogger(UpsertDocumentsFn.class);

    private final MongoTarget target;
    private final RowToDocument toDocument;
    private final Counter written;
    private final Counter retries =
        JobMetrics.counter(JobMetrics.MONGO_WRITE_RETRIES);
    private final Counter writeMillis =
        JobMetrics.counter(JobMetrics.MONGO_WRITE_MILLIS);

    private transient MongoClient client;
    private transient MongoCollection<Document> collection;
    private transient Map<Object, Pending> buffer;

    UpsertDocumentsFn(MongoTarget target, RowToDocument toDocument, String counterName) {
      this.target = target;
      this.toDocument = toDocument;
      this.written = JobMetrics.counter(counterName);
    }

    private static final class Pending {
      final Document doc;
      final long pane;

      Pending(Document doc, long pane) {
        this.doc = doc;
        this.pane = pane;
      }
    }

    @Setup
    public void setup() {
      ConnectionString uri = new ConnectionString(target.uri());
      MongoClientSettings.Builder settings = MongoClientSettings.builder().applyConnectionString(uri);
      if (!target.uri().contains("serverSelectionTimeoutMS")) {
        long timeout = Math.min(SERVER_SELECTION_MILLIS, target.retryBudgetMillis());
        settings.applyToClusterSettings(c -> c.serverSelectionTimeout(timeout, TimeUnit.MILLISECONDS));
      }
      client = MongoClients.create(settings.build());
      collection = client.getDatabase(target.database()).getCollection(target.collection());
    }

    @StartBundle
    public void startBundle() {
      buffer = new LinkedHashMap<>();
    }

    @ProcessElement
    public void process(@Element Row row, PaneInfo pane) {
      Document doc = toDocument.apply(row);
      Object id = doc.get("_id");
      Pending previous = buffer.get(id);
      if (previous == null || pane.getIndex() >= previous.pane) {
        buffer.put(id, new Pending(doc, pane.getIndex()));
      }
      if (buffer.size() >= target.batchSize()) {
        flush();
      }
    }

    @FinishBundle
    public void finishBundle() {
      flush();
    }

    private void flush() {
      if (buffer.isEmpty()) {
        return;
      }
      List<WriteModel<Document>> writes = new ArrayList<>(buffer.size());
      ReplaceOptions upsert = new ReplaceOptions().upsert(true);
      for (Pending p : buffer.values()) {
        writes.add(new ReplaceOneModel<>(Filters.eq("_id", p.doc.get("_id")), p.doc, upsert));
      }
      long started = System.nanoTime();
      long budget = target.retryBudgetMillis();
      long deadline = System.currentTimeMillis() + budget;
      long backoff = 250;
      while (true) {
        long givenUpAgo =
            GivenUpServers.recentlyGivenUp(target.uri(), budget, System.currentTimeMillis());
        if (givenUpAgo >= 0) {
          throw new IllegalStateException(
              String.format(
                  "MongoDB at %s could not be written for %d s (--retryBudget), giving up: another"
                      + " write to this server gave up %d ms ago",
                  target, budget / 1000, givenUpAgo));
        }
        try {
          collection.bulkWrite(writes, new BulkWriteOptions().ordered(false));
          GivenUpServers.reached(target.uri());
          break;
        } catch (MongoBulkWriteException e) {
          // A rejected document (too large, invalid field name): retrying cannot help.
          throw new IllegalStateException(
              "MongoDB refused documents in " + target + ": " + e.getWriteErrors(), e);
        } catch (MongoException e) {
          if (System.currentTimeMillis() + backoff > deadline) {
            GivenUpServers.gaveUp(target.uri(), System.currentTimeMillis());
            throw new IllegalStateException(
                String.format(
                    "MongoDB at %s could not be written for %d s (--retryBudget), giving up: %s",
                    target, budget / 1000, e.getMessage()),
                e);
          }
          retries.inc();
          LOG.warn("MongoDB write to {} failed, retrying in {} ms: {}", target, backoff, e.getMessage());
          try {
            Thread.sleep(backoff); // back-off between retries, not synchronisation
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying a MongoDB write", ie);
          }
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
      }
      writeMillis.inc((System.nanoTime() - started) / 1_000_000);
      written.inc(writes.size());
      buffer.clear();
    }

    @Teardown
    public void teardown() {
      if (client != null) {
        client.close();
      }
    }
  }
}
