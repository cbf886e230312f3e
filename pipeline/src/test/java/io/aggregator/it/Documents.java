package io.aggregator.it;

import com.mongodb.client.MongoClient;
import io.aggregator.sql.EventCount;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.bson.Document;

/** Reading a collection back, and comparing it with the expected documents. */
final class Documents {

  private Documents() {}

  /**
   * Every document of {@code collection}, by {@code _id}, without the {@link EventCount#COLUMN}
   * count, which only {@link #readCounted} keeps: the fields the SQL file names are what most tests
   * compare.
   */
  static Map<String, Document> read(MongoClient client, String database, String collection) {
    Map<String, Document> docs = readCounted(client, database, collection);
    docs.values().forEach(d -> d.remove(EventCount.COLUMN));
    return docs;
  }

  /** Every document of {@code collection}, by {@code _id}, as stored. */
  static Map<String, Document> readCounted(MongoClient client, String database, String collection) {
    Map<String, Document> docs = new TreeMap<>();
    for (Document d : client.getDatabase(database).getCollection(collection).find()) {
      docs.put(String.valueOf(d.get("_id")), d);
    }
    return docs;
  }

  /** Exact equality, reported as what is missing, extra or different (a few of each). */
  static void assertSame(Map<String, Document> expected, Map<String, Document> actual) {
    String difference = difference(expected, actual);
    if (difference != null) {
      throw new AssertionError(difference);
    }
  }

  /**
   * Waits until {@code actual} holds exactly {@code expected}; on a timeout the failure says what
   * still differs, so that a failed run (CI's above all) tells a missing window from a wrong one.
   */
  static void awaitSame(String what, long timeoutSeconds, Map<String, Document> expected,
      Supplier<Map<String, Document>> actual) throws InterruptedException {
    try {
      BackgroundJob.await(what, timeoutSeconds, () -> difference(expected, actual.get()) == null);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": " + difference(expected, actual.get()), e);
    }
  }

  /** What differs, or null when the two are equal. */
  static String difference(Map<String, Document> expected, Map<String, Document> actual) {
    List<String> missing = new ArrayList<>();
    List<String> different = new ArrayList<>();
    for (Map.Entry<String, Document> e : expected.entrySet()) {
      Document a = actual.get(e.getKey());
      if (a == null) {
        missing.add(e.getKey());
      } else if (!a.equals(e.getValue())) {
        different.add("expected " + e.getValue().toJson() + " got " + a.toJson());
      }
    }
    List<String> extra = new ArrayList<>(actual.keySet());
    extra.removeAll(expected.keySet());
    if (missing.isEmpty() && extra.isEmpty() && different.isEmpty()) {
      return null;
    }
    return String.format(
        "%d expected documents, %d actual: %d missing %s, %d extra %s, %d different %s",
        expected.size(), actual.size(),
        missing.size(), head(missing), extra.size(), head(extra), different.size(), head(different));
  }

  private static List<String> head(List<String> list) {
    return list.subList(0, Math.min(5, list.size()));
  }
}
