package io.aggregator.it;

import io.aggregator.quickstart.Interaction;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.bson.Document;

/**
 * The documents each shipped SQL file must produce, computed in plain Java over the events,
 * independently of the pipeline: the window arithmetic, the id format and the field layout are
 * written out here from SPEC §4 and §5.
 */
final class Expected {

  static final long WINDOW = 5 * 60_000L;

  private Expected() {}

  static long windowStart(long t) {
    return Math.floorDiv(t, WINDOW) * WINDOW;
  }

  static Document window(long start) {
    return new Document("start", new Date(start)).append("end", new Date(start + WINDOW));
  }

  static String iso(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }

  /** interactions_per_item_5m / interactions_per_user_5m. */
  static Map<String, Document> countsPer(
      List<Interaction> events, String keyField, Function<Interaction, String> key) {
    Map<String, long[]> counts = new TreeMap<>();
    Map<String, Object[]> parts = new HashMap<>();
    for (Interaction e : events) {
      long ws = windowStart(e.timestampMillis);
      String id = key.apply(e) + "#" + e.interactionType + "#" + iso(ws);
      counts.computeIfAbsent(id, k -> new long[1])[0]++;
      parts.put(id, new Object[] {key.apply(e), e.interactionType, ws});
    }
    Map<String, Document> docs = new TreeMap<>();
    counts.forEach(
        (id, c) -> {
          Object[] p = parts.get(id);
          docs.put(
              id,
              new Document("_id", id)
                  .append(keyField, p[0])
                  .append("interaction_type", p[1])
                  .append("window", window((Long) p[2]))
                  .append("interaction_count", c[0]));
        });
    return docs;
  }

  /** avg_interactions_per_item_5m / avg_interactions_per_user_5m. */
  static Map<String, Document> averagesPer(
      List<Interaction> events, String countField, String avgField, Function<Interaction, String> key) {
    Map<Long, long[]> counts = new TreeMap<>();
    Map<Long, Set<String>> distinct = new HashMap<>();
    for (Interaction e : events) {
      long ws = windowStart(e.timestampMillis);
      counts.computeIfAbsent(ws, k -> new long[1])[0]++;
      distinct.computeIfAbsent(ws, k -> new HashSet<>()).add(key.apply(e));
    }
    Map<String, Document> docs = new TreeMap<>();
    counts.forEach(
        (ws, c) -> {
          long n = distinct.get(ws).size();
          docs.put(
              iso(ws),
              new Document("_id", iso(ws))
                  .append("window", window(ws))
                  .append("interaction_count", c[0])
                  .append(countField, n)
                  .append(avgField, (double) c[0] / n));
        });
    return docs;
  }
}
