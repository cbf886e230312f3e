package io.aggregator.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.aggregator.peers.ResultSummary;
import java.util.function.BooleanSupplier;
import org.bson.Document;

/**
 * The events a job's documents reflect: each aggregated document carries its {@code _events}, so
 * their sum is what an unbounded job, which never says it is done, has aggregated so far.
 */
final class ReflectedEvents {

  private ReflectedEvents() {}

  static long in(MongoCollection<Document> docs) {
    long n = 0;
    for (Document d : docs.find().projection(new Document("_events", 1))) {
      Object e = d.get("_events");
      n += e instanceof Number ? ((Number) e).longValue() : 0;
    }
    return n;
  }

  /** Whether the documents of {@code database.collection} reflect {@code total} events yet. */
  static BooleanSupplier reached(String mongoUri, String database, String collection, long total) {
    return () -> {
      try (MongoClient client = MongoClients.create(mongoUri)) {
        return in(client.getDatabase(database).getCollection(collection)) >= total;
      }
    };
  }

  /**
   * The benchmark query's result as the documents of {@code database.collection} hold it (item,
   * interaction type, window start, count), to be checked against the one worked out from the
   * events.
   */
  static ResultSummary summary(String mongoUri, String database, String collection) {
    ResultSummary summary = new ResultSummary();
    try (MongoClient client = MongoClients.create(mongoUri)) {
      for (Document d : client.getDatabase(database).getCollection(collection).find()) {
        summary.addRow(d.getString("item_id"), d.getString("interaction_type"),
            d.get("window", Document.class).getDate("start").getTime(),
            ((Number) d.get("interaction_count")).longValue());
      }
    }
    return summary;
  }
}
