package io.aggregator.sink;

import static org.junit.Assert.assertEquals;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.metrics.JobMetrics;
import io.aggregator.sql.EventCount;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * test, some bundles' increments missing.)
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

}
