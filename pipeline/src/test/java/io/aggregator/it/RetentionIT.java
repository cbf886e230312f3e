package io.aggregator.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.aggregator.Aggregator;
import io.aggregator.runners.Runner;
import io.aggregator.sql.EventCount;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * Restarts never go backwards (docs/semantics.md, "Restarts"): after Kafka's retention deleted the
 * head of every partition, the same queries started again with no state to resume from leave every
 * stored document as it was, rather than replace it with a result of fewer events; a query over
 * all time refuses to start until told to accept a partial backfill. Runs on every runner.
 */
public class RetentionIT {

  static final String TOPIC = "retained";
  static final String DATABASE = "retention";
  static final String WINDOWED = "interactions_per_item_5m.sql";
  static final String WHOLE = "avg_interactions_per_item_whole.sql";
  static final String NESTED = "max_min_per_item.sql";

  Servers servers;
  TestData data;

  @Before
  public void startServersAndLoadEvents() throws Exception {
    servers = Servers.start();
    data = new TestData(17, 3_000, 25, 20, 4);
    servers.kafka.createTopic(TOPIC, TestData.PARTITIONS);
    servers.send(TOPIC, data.partitions);
  }

  @After
  public void stopServers() {
    servers.close();
  }

  List<String> args(String file, String collection, String... more) {
    List<String> args = JobArgs.of(servers.kafka.bootstrapServers(), TOPIC,
        ShippedFilesIT.sqlFile(file), servers.mongo.uri(), DATABASE, collection,
        "item_id=$.item_id", "interaction_type=$.interaction_type");
    args.add("--readUntilLatest");
    args.addAll(List.of(more));
    return args;
  }

  int run(List<String> args) {
    return Aggregator.run(args.toArray(new String[0]));
  }

  Map<String, Document> stored(String collection) {
    return Documents.readCounted(servers.client, DATABASE, collection);
  }

  @Test
  public void aRestartAfterRetentionLeavesEveryDocumentAsItWas() throws Exception {
    assertEquals(0, run(args(WINDOWED, "windowed")));
    assertEquals(0, run(args(WHOLE, "whole")));
    assertEquals(0, run(args(NESTED, "nested")));
    Map<String, Document> windowed = stored("windowed");
    Map<String, Document> whole = stored("whole");
    Map<String, Document> nested = stored("nested");

    // The first runs are exact, and each document counts the events it reflects.
    Documents.assertSame(Expected.countsPer(data.onTime, "item_id", e -> e.itemId),
        Documents.read(servers.client, DATABASE, "windowed"));
    windowed.values().forEach(d -> assertEquals(d.toJson(), d.get("interaction_count"), d.get(EventCount.COLUMN)));
    assertEquals("the whole file reflects every well-formed event", (long) data.all().size(),
        whole.get("_id").get(EventCount.COLUMN));
    Map<String, Long> perItem = new HashMap<>();
    data.all().forEach(e -> perItem.merge(e.itemId, 1L, Long::sum));
    nested.forEach((item, d) -> assertEquals(item, perItem.get(item), d.get(EventCount.COLUMN)));

    // Retention deletes the first half of every partition.
    Map<Integer, Long> cut = new HashMap<>();
    for (int p = 0; p < TestData.PARTITIONS; p++) {
      cut.put(p, (long) data.partitions.get(p).size() / 2);
    }
    servers.kafka.deleteRecordsBefore(TOPIC, cut);
    // Computed from what is left, some windows are smaller than stored: what the sink must refuse.
    Map<String, Document> fromWhatIsLeft =
        Expected.countsPer(data.onTimeIn(data.secondHalf()), "item_id", e -> e.itemId);
    assertTrue("some window lost events to retention", fromWhatIsLeft.entrySet().stream().anyMatch(e ->
        e.getValue().getLong("interaction_count") < windowed.get(e.getKey()).getLong("interaction_count")));

    // A windowed query starts, and keeps every stored document that reflects more events.
    int[] status = new int[1];
    Captured rerun = Captured.during(() -> status[0] = run(args(WINDOWED, "windowed")));
    assertEquals(0, status[0]);
    Documents.assertSame(windowed, stored("windowed"));
    if (Runners.current() != Runner.DIRECT) {
      // Counted (the DirectRunner's counters of this step are unreliable: WriteToMongoTest).
      assertThat(rerun.text, containsString("kept: their documents reflect more events"));
    }

    // Over all time, a start without state refuses, naming what is gone and the way out.
    for (String file : List.of(WHOLE, NESTED)) {
      Captured refused = Captured.during(() -> status[0] = run(args(file, "never")));
      assertEquals(refused.text, Aggregator.EXIT_BAD_INPUT, status[0]);
      assertThat(refused.text, containsString("partition 0 offsets 0-" + (cut.get(0) - 1) + " (deleted)"));
      assertThat(refused.text, containsString("--acceptPartialBackfill=true"));
    }
    assertEquals("nothing written by a refused start", 0, servers.count(DATABASE, "never"));

    // Accepted knowingly, it runs; the documents that reflect more events are still kept.
    assertEquals(0, run(args(WHOLE, "whole", "--acceptPartialBackfill=true")));
    assertEquals(0, run(args(NESTED, "nested", "--acceptPartialBackfill=true")));
    Documents.assertSame(whole, stored("whole"));
    Documents.assertSame(nested, stored("nested"));
  }
}
