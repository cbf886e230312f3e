package io.aggregator.sink;

import static org.junit.Assert.assertEquals;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.events.EventTags;
import io.aggregator.events.RejectWriter;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.values.Row;
import org.bson.Document;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * Rejects written from inside the read (Spark's replays) land in the rejects collection as the
 * rejects' own step writes them: one document per message, named by its position, nothing
 * written before a flush beyond a full batch, and a message rejected again replaced.
 */
public class MongoRejectWriterTest {

  EmbeddedMongo mongo;
  MongoClient client;
  MongoCollection<Document> collection;

  @Before
  public void startMongo() {
    mongo = EmbeddedMongo.start();
    client = MongoClients.create(mongo.uri());
    collection = client.getDatabase("t").getCollection("c" + RejectDocuments.COLLECTION_SUFFIX);
  }

  @After
  public void stopMongo() {
    client.close();
    mongo.close();
  }

  static Row reject(String reason, long offset) {
    return Row.withSchema(EventTags.REJECT_SCHEMA)
        .addValues(reason, "detail " + offset, "raw " + offset, "topic", 1, offset)
        .build();
  }

  Map<String, String> stored() {
    Map<String, String> byId = new TreeMap<>();
    collection.find().forEach(d -> byId.put(d.getString("_id"), d.getString("reason")));
    return byId;
  }

  @Test
  public void rejectsAreWrittenWhenFlushedAndReplacedWhenWrittenAgain() {
    MongoTarget target = new MongoTarget(
        new MongoConnection(mongo.uri(), Map.of()), "t", "c" + RejectDocuments.COLLECTION_SUFFIX,
        1000, 5_000);
    try (RejectWriter.Session session = new MongoRejectWriter(target).open()) {
      session.write(reject("MALFORMED_JSON", 7));
      session.write(reject("MISSING_FIELD", 9));
      assertEquals("before the flush", Map.of(), stored());
      session.flush();
      assertEquals(
          Map.of("topic/1/7", "MALFORMED_JSON", "topic/1/9", "MISSING_FIELD"), stored());

      session.write(reject("MALFORMED_JSON", 9)); // the same message, read again
      session.flush();
    }
    assertEquals(Map.of("topic/1/7", "MALFORMED_JSON", "topic/1/9", "MALFORMED_JSON"), stored());
    assertEquals("raw 7", collection.find(new Document("_id", "topic/1/7")).first().getString("raw"));
  }
}
