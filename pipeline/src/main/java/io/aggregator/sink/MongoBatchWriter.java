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
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One step instance's upserts into a collection, as {@link WriteToMongo} describes them: documents
 * held by id (the latest pane of each), written in unordered bulk writes of up to {@link
 * MongoTarget#batchSize()}, never backwards, transient failures retried within the retry budget.
 * Used by {@link WriteToMongo}'s step and by {@link MongoRejectWriter}, inside the read.
 */
final class MongoBatchWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MongoBatchWriter.class);

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
  private final Counter written;
  private final Counter retries = JobMetrics.counter(JobMetrics.MONGO_WRITE_RETRIES);
  private final Counter writeMillis = JobMetrics.counter(JobMetrics.MONGO_WRITE_MILLIS);
  private final Counter kept = JobMetrics.counter(JobMetrics.DOCUMENTS_KEPT);
  private final MongoClient client;
  private final MongoCollection<Document> collection;
  private final Map<Object, Pending> buffer = new LinkedHashMap<>();
  private long keptSinceLog;
  private long lastKeptLog;

  private static final class Pending {
    final Document doc;
    final long pane;

    Pending(Document doc, long pane) {
      this.doc = doc;
      this.pane = pane;
    }
  }

  /** Connects; {@code counterName} is the metric counting documents written. */
  MongoBatchWriter(MongoTarget target, String counterName) {
    this.target = target;
    this.written = JobMetrics.counter(counterName);
    this.client =
        target.connection().connect(Math.min(SERVER_SELECTION_MILLIS, target.retryBudgetMillis()));
    this.collection = client.getDatabase(target.database()).getCollection(target.collection());
  }

  /**
   * Holds {@code doc} unless a later pane of its id is held (unordered writes may apply in any
   * order: an earlier pane must never overwrite a later one); writes when a batch is full.
   */
  void add(Document doc, long pane) {
    Object id = doc.get("_id");
    Pending previous = buffer.get(id);
    if (previous == null || pane >= previous.pane) {
      buffer.put(id, new Pending(doc, pane));
    }
    if (buffer.size() >= target.batchSize()) {
      flush();
    }
  }

  /** Forgets what is held: what a failed bundle left is written again when it is retried. */
  void discard() {
    buffer.clear();
  }

  /** Writes every held document, retrying transient failures within the retry budget. */
  void flush() {
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

  @Override
  public void close() {
    client.close();
  }
}
