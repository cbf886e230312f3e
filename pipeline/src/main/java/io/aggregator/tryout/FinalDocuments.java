package io.aggregator.tryout;

import io.aggregator.sql.EventCount;
import io.aggregator.sql.QueryShape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;

/**
 * The collection as MongoDB would hold it after the run: each fired document upserted by {@code
 * _id} in firing order, except over a stored one that reflects more events (the sink's rule,
 * docs/semantics.md, "Never backwards"). Compared with a file of expected documents, field by
 * field.
 */
final class FinalDocuments {

  private final Map<String, Document> byId = new TreeMap<>();

  void upsert(Document doc) {
    String id = String.valueOf(doc.get(QueryShape.ID_COLUMN));
    Document stored = byId.get(id);
    if (stored != null && events(stored) > events(doc)) {
      return;
    }
    byId.put(id, doc);
  }

  private static long events(Document d) {
    Object n = d.get(EventCount.COLUMN);
    return n instanceof Number ? ((Number) n).longValue() : 0;
  }

  List<Document> documents() {
    return new ArrayList<>(byId.values());
  }

  /** One JSON document a line (MongoDB Extended JSON, relaxed: dates as {@code $date}). */
  static List<Document> readExpected(Path file) throws IOException {
    List<Document> docs = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank() && !line.startsWith("#")) {
        docs.add(Document.parse(line));
      }
    }
    return docs;
  }

  /**
   * The differences from {@code expected}, one line each: missing and extra documents, and fields
   * that differ. {@code _events} is compared only where the expected document has it.
   */
  List<String> differences(List<Document> expected) {
    Map<String, Document> wanted = new TreeMap<>();
    expected.forEach(d -> wanted.put(String.valueOf(d.get(QueryShape.ID_COLUMN)), d));
    List<String> out = new ArrayList<>();
    wanted.forEach((id, want) -> {
      Document got = byId.get(id);
      if (got == null) {
        out.add("missing  " + id + ": " + want.toJson(Timeline.RELAXED));
        return;
      }
      Set<String> fields = new LinkedHashSet<>(want.keySet());
      fields.addAll(got.keySet());
      for (String f : fields) {
        if (f.equals(EventCount.COLUMN) && !want.containsKey(f)) {
          continue;
        }
        String w = json(want, f);
        String g = json(got, f);
        if (!w.equals(g)) {
          out.add("differs  " + id + " ." + f + ": expected " + w + ", got " + g);
        }
      }
    });
    byId.forEach((id, got) -> {
      if (!wanted.containsKey(id)) {
        out.add("extra    " + id + ": " + got.toJson(Timeline.RELAXED));
      }
    });
    return out;
  }

  /** A field's value as relaxed JSON, so that 3 and 3L, or two equal dates, compare equal. */
  private static String json(Document d, String field) {
    if (!d.containsKey(field)) {
      return "(absent)";
    }
    BsonValue v = BsonDocument.parse(new Document("v", d.get(field)).toJson(Timeline.RELAXED)).get("v");
    if (v.isNumber()) {
      double n = v.asNumber().doubleValue();
      return n == Math.rint(n) ? Long.toString((long) n) : Double.toString(n);
    }
    return String.valueOf(v);
  }
}
