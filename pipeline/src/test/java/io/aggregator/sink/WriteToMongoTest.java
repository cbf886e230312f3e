package io.aggregator.sink;

import static org.junit.Assert.assertEquals;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.events.EventTags;
import io.aggregator.events.RejectWriter;
import io.aggregator.metrics.JobMetrics;
import io.aggregator.sql.EventCount;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.Row;
import org.bson.Document;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/**
 * Never backwards (docs/semantics.md, "Restarts"): against a MongoDB-wire server, a result that
 * counts fewer events than the stored document leaves it alone. (The count of documents kept is
 * checked in RetentionIT: the DirectRunner's counters of this step are not reliable in a unit
 * test, some bundles' increments missing.) And the same writes made from inside a read, for its
 * rejects ({@link MongoRejectWriter}).
 */
public class WriteToMongoTest {

  static final Schema SCHEMA = Schema.builder()
      .addStringField("id").addInt64Field("n").addInt64Field(EventCount.COLUMN).build();

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  EmbeddedMongo mongo;
  MongoClient client;
  MongoCollection<Document> collection;

  @Before
  public void startMongo() {
    mongo = EmbeddedMongo.start();
    client = MongoClients.create(mongo.uri());
    collection = client.getDatabase("t").getCollection("c");
  }

  @After
  public void stopMongo() {
    client.close();
    mongo.close();
  }

  static Row row(String id, long n, long events) {
    return Row.withSchema(SCHEMA).addValues(id, n, events).build();
  }

  static Document doc(String id, long n, Long events) {
    Document d = new Document("_id", id).append("n", n);
    return events == null ? d : d.append(EventCount.COLUMN, events);
  }

  @Test
  public void aResultOfFewerEventsLeavesTheStoredDocumentAlone() {
    collection.insertMany(List.of(
        doc("smaller", 10, 10L), doc("larger", 5, 5L), doc("equal", 4, 4L), doc("uncounted", 1, null)));

    pipeline
        .apply(Create.of(row("smaller", 7, 7), row("larger", 6, 6), row("equal", 40, 4),
            row("uncounted", 2, 2), row("new", 3, 3)).withRowSchema(SCHEMA))
        .apply(new WriteToMongo(
            new MongoTarget(new MongoConnection(mongo.uri(), Map.of()), "t", "c", 1000, 5_000),
            r -> doc(r.getString("id"), r.getInt64("n"), r.getInt64(EventCount.COLUMN)),
            JobMetrics.DOCUMENTS_WRITTEN));
    pipeline.run().waitUntilFinish();

    Map<String, Document> stored = new HashMap<>();
    collection.find().forEach(d -> stored.put(d.getString("_id"), d));
    assertEquals(Map.of(
        "smaller", doc("smaller", 10, 10L),
        "larger", doc("larger", 6, 6L),
        "equal", doc("equal", 40, 4L),
        "uncounted", doc("uncounted", 2, 2L),
        "new", doc("new", 3, 3L)), stored);
  }

  static Row reject(String reason, long offset) {
    return Row.withSchema(EventTags.REJECT_SCHEMA)
        .addValues(reason, "detail " + offset, "raw " + offset, "topic", 1, offset)
        .build();
  }

  Map<String, String> storedRejects(MongoCollection<Document> rejects) {
    Map<String, String> byId = new TreeMap<>();
    rejects.find().forEach(d -> byId.put(d.getString("_id"), d.getString("reason")));
    return byId;
  }

  /**
   * Rejects written from inside the read (Spark's replays) land in the rejects collection as the
   * rejects' own step writes them: one document per message named by its position, nothing before
   * a flush (below a full batch), and a message rejected again replaced.
   */
  @Test
  public void rejectsWrittenFromTheReadAreWrittenWhenFlushedAndReplacedWhenWrittenAgain() {
    MongoCollection<Document> rejects =
        client.getDatabase("t").getCollection("c" + RejectDocuments.COLLECTION_SUFFIX);
    MongoTarget target = new MongoTarget(
        new MongoConnection(mongo.uri(), Map.of()), "t", "c" + RejectDocuments.COLLECTION_SUFFIX,
        1000, 5_000);
    try (RejectWriter.Session session = new MongoRejectWriter(target).open()) {
      session.write(reject("MALFORMED_JSON", 7));
      session.write(reject("MISSING_FIELD", 9));
      assertEquals("before the flush", Map.of(), storedRejects(rejects));
      session.flush();
      assertEquals(
          Map.of("topic/1/7", "MALFORMED_JSON", "topic/1/9", "MISSING_FIELD"), storedRejects(rejects));

      session.write(reject("MALFORMED_JSON", 9)); // the same message, read again
      session.flush();
    }
    assertEquals(Map.of("topic/1/7", "MALFORMED_JSON", "topic/1/9", "MALFORMED_JSON"), storedRejects(rejects));
    assertEquals("raw 7", rejects.find(new Document("_id", "topic/1/7")).first().getString("raw"));
  }
}
