package io.aggregator.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.aggregator.Aggregator;
import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.generator.EventGenerator;
import io.aggregator.generator.Interaction;
import io.aggregator.events.RejectReason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.bson.Document;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The shipped SQL files end to end on this build's runner ({@link Runners#current}: Direct by
 * default, Flink with {@code -Pflink}, Spark with {@code -Pspark}; the four windowed files, the
 * three nested ones, and a windowed nested query written for this test): a real KRaft broker and a
 * MongoDB-wire server over loopback sockets, 20,000 events over 25 minutes of event time on two
 * partitions, out of order within the threshold, plus clearly late events and malformed messages.
 * Each file runs as a bounded replay; the collection must hold exactly the documents computed in
 * plain Java from the on-time events.
 *
 * <p>Every run reads the same topic, so every windowed file, whatever its write method, must drop
 * the clearly late events (they are dropped as they are read, see {@code LateEvents}), and
 * every file without a window must count them.
 */
public class ShippedFilesIT {

  static final String TOPIC = "interactions";
  static final String DATABASE = "it";

  static EmbeddedKafka kafka;
  static EmbeddedMongo mongo;
  static MongoClient client;
  static TestData data;

  @BeforeClass
  public static void startServersAndLoadEvents() throws Exception {
    kafka = EmbeddedKafka.start();
    mongo = EmbeddedMongo.start();
    client = MongoClients.create(mongo.uri());
    data = new TestData(42, 20_000, 25, 200, 40);
    load(TOPIC, data);
  }

  static void load(String topic, TestData d) throws Exception {
    kafka.createTopic(topic, TestData.PARTITIONS);
    try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(kafka.bootstrapServers())) {
      for (int p = 0; p < TestData.PARTITIONS; p++) {
        int partition = p;
        EventGenerator.send(producer, topic, d.partitions.get(p), i -> partition);
      }
    }
  }

  @AfterClass
  public static void stopServers() {
    if (client != null) {
      client.close();
    }
    if (mongo != null) {
      mongo.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  static Path sqlFile(String name) {
    return Path.of(System.getProperty("aggregator.repoRoot", ".."), "sql_files", name);
  }

  /** Runs {@code file} as a bounded replay into {@code collection}; asserts it completes. */
  static void runJob(String topic, String file, String collection, String writeMethod, String... fields) {
    runJob(topic, sqlFile(file), collection, writeMethod, fields);
  }

  static void runJob(String topic, Path file, String collection, String writeMethod, String... fields) {
    List<String> args = new ArrayList<>(List.of(
        "--bootstrapServers=" + kafka.bootstrapServers(),
        "--topic=" + topic,
        "--sqlFile=" + file,
        "--allowLateFor=" + TestData.ALLOW_LATE_FOR,
        "--batchInterval=1 second",
        "--writeMethod=" + writeMethod,
        "--writerConf=uri=" + mongo.uri(),
        "--writerConf=database=" + DATABASE,
        "--writerConf=collection=" + collection,
        "--readUntilLatest"));
    args.addAll(Runners.options(Runners.current()));
    for (String f : fields) {
      args.add("--jsonFieldsMap=" + f);
    }
    assertEquals("exit status of " + file, 0, Aggregator.run(args.toArray(new String[0])));
  }

  static Map<String, Document> documents(String collection) {
    return Documents.read(client, DATABASE, collection);
  }

  static void assertSameDocuments(Map<String, Document> expected, Map<String, Document> actual) {
    Documents.assertSame(expected, actual);
  }

  @Test
  public void interactionsPerItem() {
    runJob(TOPIC, "interactions_per_item_5m.sql", "per_item", "append",
        "item_id=$.item_id", "interaction_type=$.interaction_type");
    Map<String, Document> expected = Expected.countsPer(data.onTime, "item_id", e -> e.itemId);
    assertTrue("at least 4 windows", expected.values().stream().map(d -> d.get("window")).distinct().count() >= 4);
    assertSameDocuments(expected, documents("per_item"));
  }

  @Test
  public void interactionsPerUser() {
    runJob(TOPIC, "interactions_per_user_5m.sql", "per_user", "update",
        "user_id=$.user_id", "interaction_type=$.interaction_type");
    assertSameDocuments(
        Expected.countsPer(data.onTime, "user_id", e -> e.userId), documents("per_user"));
  }

  @Test
  public void averageInteractionsPerItem() {
    runJob(TOPIC, "avg_interactions_per_item_5m.sql", "avg_item", "append", "item_id=$.item_id");
    assertSameDocuments(
        Expected.averagesPer(data.onTime, "num_item", "avg_interactions_per_item", e -> e.itemId),
        documents("avg_item"));
  }

  @Test
  public void averageInteractionsPerUserAndRejects() {
    runJob(TOPIC, "avg_interactions_per_user_5m.sql", "avg_user", "complete", "user_id=$.user_id");
    assertSameDocuments(
        Expected.averagesPer(data.onTime, "num_user", "avg_interactions_per_user", e -> e.userId),
        documents("avg_user"));
    // Every malformed message is in the rejects collection, with its reason and position.
    Map<String, Document> rejects = documents("avg_user_rejects");
    assertEquals(data.malformed, rejects.size());
    Map<String, Integer> byReason = new TreeMap<>();
    for (Document r : rejects.values()) {
      byReason.merge(r.getString("reason"), 1, Integer::sum);
      assertEquals(TOPIC, r.getString("topic"));
      assertEquals(r.get("_id"), TOPIC + "/" + r.get("partition") + "/" + r.get("offset"));
    }
    assertEquals(
        Map.of(
            RejectReason.MALFORMED_JSON.name(), data.malformed / 2,
            RejectReason.MISSING_TIMESTAMP.name(), data.malformed / 4,
            RejectReason.BAD_TIMESTAMP.name(), data.malformed / 4),
        byReason);
  }

  // ---- nested (for_each_batch) files -----------------------------------------------------

  /**
   * Whole first query: nothing is ever late, so every event counts, the clearly late ones too.
   * Run in {@code complete}: the second query's result is written at every snapshot.
   */
  @Test
  public void averageInteractionsPerItemOverAllTime() {
    runJob(TOPIC, "avg_interactions_per_item_whole.sql", "avg_item_whole", "complete", "item_id=$.item_id");
    assertSameDocuments(
        Expected.meanCountPer(data.all(), "avg_interactions_per_item", e -> e.itemId),
        documents("avg_item_whole"));
  }

  @Test
  public void averageInteractionsPerUserOverAllTime() {
    runJob(TOPIC, "avg_interactions_per_user_whole.sql", "avg_user_whole", "update", "user_id=$.user_id");
    assertSameDocuments(
        Expected.meanCountPer(data.all(), "avg_interactions_per_user", e -> e.userId),
        documents("avg_user_whole"));
  }

  @Test
  public void mostAndLeastFrequentInteractionPerItem() {
    runJob(TOPIC, "max_min_per_item.sql", "max_min", "update",
        "item_id=$.item_id", "interaction_type=$.interaction_type");
    Map<String, Document> expected = Expected.maxMinPerItem(data.all());
    assertTrue("some item has a tie to break",
        expected.keySet().stream().anyMatch(item -> Expected.hasTie(data.all(), item)));
    assertSameDocuments(expected, documents("max_min"));
  }

  /** Windowed first query in append: AGGREGATED holds closed windows only; late events dropped. */
  @Test
  public void meanItemCountPerWindow() {
    Path file = Path.of(System.getProperty("aggregator.repoRoot", ".."),
        "pipeline", "src", "test", "resources", "sql", "mean_item_count_5m.sql");
    runJob(TOPIC, file, "mean_item", "append", "item_id=$.item_id");
    assertSameDocuments(Expected.meanItemCountPerWindow(data.onTime), documents("mean_item"));
  }

  // ---- one lateness rule for every kind of window (docs/semantics.md, "Lateness") ----------

  /**
   * HOP: the clearly late events are dropped from both their windows, and counted once each; every
   * on-time event is in both of its windows.
   */
  @Test
  public void hoppingWindowsDropTheLateEventsOnEveryRunner() throws Exception {
    long dropped = runJobCountingLate(testFile("items_per_10m_every_5m.sql"), "hop_item", "update",
        "item_id=$.item_id");
    assertSameDocuments(Expected.hoppingCountsPerItem(data.onTime), documents("hop_item"));
    assertEquals(data.late.size(), dropped);
  }

  /** SESSION: a late event is one behind its partition's watermark; none merges into a session. */
  @Test
  public void sessionWindowsDropTheLateEventsOnEveryRunner() throws Exception {
    long dropped = runJobCountingLate(testFile("sessions_per_user.sql"), "session_user", "append",
        "user_id=$.user_id");
    Map<String, Document> expected = Expected.sessionCountsPerUser(data.onTime, 60_000);
    assertTrue("users with several sessions",
        expected.size() > 2 * expected.values().stream().map(d -> d.get("user_id")).distinct().count());
    assertSameDocuments(expected, documents("session_user"));
    assertEquals(data.late.size(), dropped);
  }

  /** TUMBLE: the late-event count of the run's last line is exact too. */
  @Test
  public void tumblingWindowsCountEachLateEventOnce() throws Exception {
    long dropped = runJobCountingLate(sqlFile("interactions_per_item_5m.sql"), "late_item", "append",
        "item_id=$.item_id", "interaction_type=$.interaction_type");
    assertEquals(data.late.size(), dropped);
  }

  static Path testFile(String name) {
    return Path.of(System.getProperty("aggregator.repoRoot", ".."),
        "pipeline", "src", "test", "resources", "sql", name);
  }

  /** Runs the job and returns the "N dropped as late" of the line that ends it. */
  static long runJobCountingLate(Path file, String collection, String writeMethod, String... fields)
      throws Exception {
    Captured out = Captured.during(() -> runJob(TOPIC, file, collection, writeMethod, fields));
    Matcher m = Pattern.compile("aggregator: DONE after .*?, (\\d+) dropped as late").matcher(out.text);
    assertTrue("the run's last line in:\n" + out.text, m.find());
    return Long.parseLong(m.group(1));
  }

  /** Guards the fixture itself: the late events really are late and really are in the topic. */
  @Test
  public void fixtureHasLateEventsInEveryPartition() {
    for (Interaction e : data.late) {
      assertTrue(e.timestampMillis < TestData.T0 - 30 * 60_000L);
    }
    assertEquals(20_000 + 200 + 40, data.totalMessages());
  }
}
