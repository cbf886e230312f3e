package io.aggregator.page;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.aggregator.sink.MongoTarget;
import io.aggregator.sink.RejectDocuments;
import io.aggregator.sql.EventCount;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * Reads what the page shows from MongoDB: the job's collection and its rejects collection, as
 * JSON text (relaxed extended JSON: dates as {@code {"$date": "…"}}, numbers as numbers).
 */
final class ResultsReader implements AutoCloseable {

  /** At most this many documents are sent to the page per poll, newest windows first. */
  static final int MAX_DOCUMENTS = 5_000;
  /** The rejects panel shows the latest few. */
  static final int MAX_REJECTS = 20;
  /** A poll fails fast when MongoDB is away: the page shows the error and tries again. */
  static final long SERVER_SELECTION_MILLIS = 2_000L;

  private static final JsonWriterSettings JSON =
      JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

  private final MongoClient client;
  private final MongoCollection<Document> results;
  private final MongoCollection<Document> rejects;
  private final boolean windowed;

  ResultsReader(MongoTarget target, boolean windowed) {
    this.client = target.connection().connect(SERVER_SELECTION_MILLIS);
    this.results = client.getDatabase(target.database()).getCollection(target.collection());
    this.rejects = client.getDatabase(target.database())
        .getCollection(target.collection() + RejectDocuments.COLLECTION_SUFFIX);
    this.windowed = windowed;
  }

  /** The documents as a JSON array, newest windows first for a windowed query. */
  String documents() {
    var find = results.find().limit(MAX_DOCUMENTS);
    if (windowed) {
      find = find.sort(Sorts.descending("window.start"));
    }
    return array(find.into(new ArrayList<>()));
  }

  /**
   * What MongoDB itself says, whatever the counters: documents, and events summed over their
   * {@code _events} (docs/semantics.md, "Never backwards"). Exact after any failover or restart.
   * Events are null when the documents carry no {@code _events}
   * (a second query that does not aggregate).
   */
  String totals() {
    long documents = results.countDocuments();
    if (documents > 0 && results.countDocuments(Filters.exists(EventCount.COLUMN)) == 0) {
      return String.format("{\"documents\": %d, \"events\": null}", documents);
    }
    Document sum = results.aggregate(List.of(
            Aggregates.group(null, Accumulators.sum("events", "$" + EventCount.COLUMN))))
        .first();
    Object events = sum == null ? 0L : sum.get("events");
    return String.format("{\"documents\": %d, \"events\": %s}", documents,
        events instanceof Number ? ((Number) events).longValue() : 0L);
  }

  /** The latest rejects as a JSON array, newest first. */
  String latestRejects() {
    return array(rejects.find().sort(Sorts.descending("rejected_at")).limit(MAX_REJECTS)
        .into(new ArrayList<>()));
  }

  private static String array(List<Document> docs) {
    StringBuilder sb = new StringBuilder("[");
    for (Document d : docs) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append(d.toJson(JSON));
    }
    return sb.append(']').toString();
  }

  @Override
  public void close() {
    client.close();
  }
}
