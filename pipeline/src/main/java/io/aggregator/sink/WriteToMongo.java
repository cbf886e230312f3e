package io.aggregator.sink;

import io.aggregator.metrics.JobMetrics;
import io.aggregator.sql.EventCount;
import com.mongodb.bulk.BulkWriteError;
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
import org.bson.conversions.Bson;
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
 * <p>Never backwards (docs/semantics.md, "Restarts"): a document with an {@link EventCount#COLUMN}
 * count replaces only a stored one that reflects no more events. The condition is part of the
 * write's filter, so it holds against any other writer; when it fails, the upsert's insert meets
 * the stored {@code _id} and MongoDB answers "duplicate key", which here means "kept": counted in
 * {@link JobMetrics#DOCUMENTS_KEPT} and named in the log.
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

  /** MongoDB's code for an insert whose {@code _id} exists: here, a document kept. */
  static final int DUPLICATE_KEY = 11000;

  /** How often the documents kept are named in the log, at most. */
  static final long KEPT_LOG_MILLIS = 10_000L;

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
    private final Counter kept = JobMetrics.counter(JobMetrics.DOCUMENTS_KEPT);

    private transient MongoClient client;
    private transient MongoCollection<Document> collection;
    private transient Map<Object, Pending> buffer;
    private transient long keptSinceLog;
    private transient long lastKeptLog;

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
        writes.add(new ReplaceOneModel<>(notBackwards(p.doc), p.doc, upsert));
      }
      long started = System.nanoTime();
      long budget = target.retryBudgetMillis();
      long deadline = System.currentTimeMillis() + budget;
      long backoff = 250;
      int keptCount = 0;
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
          List<BulkWriteError> refused = new ArrayList<>();
          List<Object> keptIds = new ArrayList<>();
          for (BulkWriteError error : e.getWriteErrors()) {
            if (error.getCode() == DUPLICATE_KEY) {
              keptIds.add(((ReplaceOneModel<Document>) writes.get(error.getIndex())).getReplacement().get("_id"));
            } else {
              refused.add(error);
            }
          }
          if (!refused.isEmpty()) {
            // A rejected document (too large, invalid field name): retrying cannot help.
            throw new IllegalStateException("MongoDB refused documents in " + target + ": " + refused, e);
          }
          keptCount = keptIds.size();
          reportKept(keptIds);
          GivenUpServers.reached(target.uri());
          break;
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
      written.inc(writes.size() - keptCount);
      buffer.clear();
    }

    /** Counts kept documents, and names some in the log at most every {@link #KEPT_LOG_MILLIS}. */
    private void reportKept(List<Object> ids) {
      kept.inc(ids.size());
      keptSinceLog += ids.size();
      long now = System.currentTimeMillis();
      if (now - lastKeptLog >= KEPT_LOG_MILLIS) {
        LOG.info("Kept {} stored documents of {} that reflect more events than this job has read for"
            + " them (a restart catching up, or events gone from the topic), for example {}",
            keptSinceLog, target, ids.subList(0, Math.min(3, ids.size())));
        keptSinceLog = 0;
        lastKeptLog = now;
      }
    }

    /**
     * The filter of a document's write: its id and, when it counts its events, a stored document
     * that reflects no more events than it (or one written before counts existed).
     */
    static Bson notBackwards(Document doc) {
      Bson id = Filters.eq("_id", doc.get("_id"));
      Object events = doc.get(EventCount.COLUMN);
      if (!(events instanceof Number)) {
        return id;
      }
      return Filters.and(id, Filters.or(
          Filters.lte(EventCount.COLUMN, ((Number) events).longValue()),
          Filters.exists(EventCount.COLUMN, false)));
    }

    @Teardown
    public void teardown() {
      if (client != null) {
        client.close();
      }
    }
  }
}
