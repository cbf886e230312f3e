package io.aggregator.sink;

import io.aggregator.metrics.JobMetrics;
import io.aggregator.sql.EventCount;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * job waits.
 */
public class WriteToMongo extends PTransform<PCollection<Row>, PDone> {

  /** Counter of bulk writes retried. */
  public static final String WRITE_RETRIES = "mongo_write_retries";

  /** Counter of milliseconds spent in bulk writes, retries included. */
  public static final String WRITE_MILLIS = "mongo_write_millis";

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
      client = target.connection().connect(Math.min(SERVER_SELECTION_MILLIS, target.retryBudgetMillis()));
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
      long started = System.nanoTime();
      long budget = target.retryBudgetMillis();
      long deadline = System.currentTimeMillis() + budget;
      long backoff = 250;
      int writeCount;
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
          List<Object> keptIds = new ArrayList<>();
          List<WriteModel<Document>> writes = notBackwards(keptIds);
          if (!writes.isEmpty()) {
            collection.bulkWrite(writes, new BulkWriteOptions().ordered(false));
          }
          GivenUpServers.reached(target.uri());
          reportKept(keptIds);
          writeCount = writes.size();
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
      written.inc(writeCount);
      buffer.clear();
    }

    /** Counts kept documents, and names some in the log at most every {@link #KEPT_LOG_MILLIS}. */
    private void reportKept(List<Object> ids) {
      if (ids.isEmpty()) {
        return;
      }
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
     * The buffered documents' writes, without those whose stored document reflects more events
     * ({@link EventCount#COLUMN}), which go to {@code keptIds}. The stored counts are read with
     * one query by id for the whole batch.
     */
    private List<WriteModel<Document>> notBackwards(List<Object> keptIds) {
      List<Object> counted = new ArrayList<>();
      for (Pending p : buffer.values()) {
        if (p.doc.get(EventCount.COLUMN) instanceof Number) {
          counted.add(p.doc.get("_id"));
        }
      }
      Map<Object, Long> stored = new HashMap<>();
      if (!counted.isEmpty()) {
        for (Document d : collection.find(Filters.in("_id", counted))
            .projection(Projections.include(EventCount.COLUMN))) {
          if (d.get(EventCount.COLUMN) instanceof Number) {
            stored.put(d.get("_id"), ((Number) d.get(EventCount.COLUMN)).longValue());
          }
        }
      }
      List<WriteModel<Document>> writes = new ArrayList<>(buffer.size());
      ReplaceOptions upsert = new ReplaceOptions().upsert(true);
      for (Pending p : buffer.values()) {
        Object id = p.doc.get("_id");
        Long before = stored.get(id);
        if (before != null && before > ((Number) p.doc.get(EventCount.COLUMN)).longValue()) {
          keptIds.add(id);
        } else {
          writes.add(new ReplaceOneModel<>(Filters.eq("_id", id), p.doc, upsert));
        }
      }
      return writes;
    }

    @Teardown
    public void teardown() {
      if (client != null) {
        client.close();
      }
    }
  }
}
