package io.aggregator.it;

import io.aggregator.generator.Interaction;
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
 * written out here from docs/semantics.md ("Document ids", "Output documents").
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

  /** avg_interactions_per_*_whole: one document, {@code _id '_id'}, the mean of the counts. */
  static Map<String, Document> meanCountPer(
      List<Interaction> events, String avgField, Function<Interaction, String> key) {
    Map<String, Long> counts = new HashMap<>();
    for (Interaction e : events) {
      counts.merge(key.apply(e), 1L, Long::sum);
    }
    double sum = 0;
    for (long c : counts.values()) {
      sum += c;
    }
    return Map.of("_id", new Document("_id", "_id").append(avgField, sum / counts.size()));
  }

  /** Per item, the count of each interaction type. */
  static Map<String, Map<String, Long>> typeCounts(List<Interaction> events) {
    Map<String, Map<String, Long>> counts = new TreeMap<>();
    for (Interaction e : events) {
      counts.computeIfAbsent(e.itemId, k -> new TreeMap<>()).merge(e.interactionType, 1L, Long::sum);
    }
    return counts;
  }

  /** Whether two of the item's types share their count (a tie the ordering rule must break). */
  static boolean hasTie(List<Interaction> events, String item) {
    Map<String, Long> perType = typeCounts(events).get(item);
    return new HashSet<>(perType.values()).size() < perType.size();
  }

  /**
   * max_min_per_item: per item, the type with the largest and the smallest count (ties to the
   * smaller type name), with the counts; {@code _id} is the item id.
   */
  static Map<String, Document> maxMinPerItem(List<Interaction> events) {
    Map<String, Document> docs = new TreeMap<>();
    typeCounts(events).forEach(
        (item, perType) -> {
          String most = null;
          String least = null;
          for (Map.Entry<String, Long> t : perType.entrySet()) { // names ascending: first one wins ties
            if (most == null || t.getValue() > perType.get(most)) {
              most = t.getKey();
            }
            if (least == null || t.getValue() < perType.get(least)) {
              least = t.getKey();
            }
          }
          docs.put(
              item,
              new Document("_id", item)
                  .append("most_frequent_interaction", most)
                  .append("most_frequent_count", perType.get(most))
                  .append("least_frequent_interaction", least)
                  .append("least_frequent_count", perType.get(least)));
        });
    return docs;
  }

  /** mean_item_count_5m (test file): per window, the mean of the per-item counts. */
  static Map<String, Document> meanItemCountPerWindow(List<Interaction> events) {
    Map<Long, Map<String, Long>> counts = new TreeMap<>();
    for (Interaction e : events) {
      counts.computeIfAbsent(windowStart(e.timestampMillis), k -> new HashMap<>())
          .merge(e.itemId, 1L, Long::sum);
    }
    Map<String, Document> docs = new TreeMap<>();
    counts.forEach(
        (ws, perItem) -> {
          double sum = 0;
          for (long c : perItem.values()) {
            sum += c;
          }
          docs.put(
              iso(ws),
              new Document("_id", iso(ws))
                  .append("window", new Document("start", new Date(ws)))
                  .append("mean_item_count", sum / perItem.size())
                  .append("num_item", (long) perItem.size()));
        });
    return docs;
  }

  /** items_per_10m_every_5m (test file): per item, counts in 10-minute windows every 5 minutes. */
  static Map<String, Document> hoppingCountsPerItem(List<Interaction> events) {
    long size = 2 * WINDOW;
    Map<String, Document> docs = new TreeMap<>();
    for (Interaction e : events) {
      // The two windows holding t start at the 5-minute boundary at or before t and the one before.
      for (long s = windowStart(e.timestampMillis) - WINDOW; s <= e.timestampMillis; s += WINDOW) {
        long start = s;
        String id = e.itemId + "#" + iso(start);
        Document d = docs.computeIfAbsent(id, k -> new Document("_id", id)
            .append("item_id", e.itemId)
            .append("window", new Document("start", new Date(start)).append("end", new Date(start + size)))
            .append("interaction_count", 0L));
        d.put("interaction_count", d.getLong("interaction_count") + 1);
      }
    }
    return docs;
  }

  /**
   * sessions_per_user (test file): per user, sessions of events less than {@code gapMillis} apart
   * (a session spans its first event to its last plus the gap), with the time of its last event.
   */
  static Map<String, Document> sessionCountsPerUser(List<Interaction> events, long gapMillis) {
    Map<String, List<Long>> times = new TreeMap<>();
    for (Interaction e : events) {
      times.computeIfAbsent(e.userId, k -> new java.util.ArrayList<>()).add(e.timestampMillis);
    }
    Map<String, Document> docs = new TreeMap<>();
    times.forEach(
        (user, ts) -> {
          java.util.Collections.sort(ts);
          int i = 0;
          while (i < ts.size()) {
            long start = ts.get(i);
            long end = start + gapMillis;
            long count = 0;
            long last = start;
            while (i < ts.size() && ts.get(i) < end) {
              last = ts.get(i);
              end = last + gapMillis;
              count++;
              i++;
            }
            String id = user + "#" + iso(start);
            docs.put(id, new Document("_id", id)
                .append("user_id", user)
                .append("window", new Document("start", new Date(start)))
                .append("last_event_at", new Date(last))
                .append("interaction_count", count));
          }
        });
    return docs;
  }
}
