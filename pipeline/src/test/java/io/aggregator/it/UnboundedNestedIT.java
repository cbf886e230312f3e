package io.aggregator.it;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.aggregator.generator.Interaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * A nested ({@code for_each_batch}) file as users run it: one unbounded job while events keep
 * arriving (docs/semantics.md, "Nested queries"). Its documents must appear while the events still
 * come, not only once they pause (on the DirectRunner a steady stream once held them back until
 * it stopped), and equal what plain Java computes over every event sent once they have stopped.
 */
public class UnboundedNestedIT {

  static final String DATABASE = "it";
  static final String TOPIC = "nested-live";
  static final String COLLECTION = "max_min_live";
  /** Each round sends this many events to each of the two partitions, then waits {@link #PACE_MILLIS}. */
  static final int EVENTS_PER_ROUND = 50;
  static final long PACE_MILLIS = 100;
  /** The producer's longest run: longer than the wait for the first documents below. */
  static final long MAX_PRODUCING_MILLIS = 200_000;
  /** The windowed test's Flink checkpoints: many of them while windows close. */
  static final long CHECKPOINT_MILLIS = 200;
  /** How long the windowed test's producer runs. */
  static final long WINDOWED_PRODUCING_MILLIS = 15_000;

  Servers servers;
  Path checkpoints;

  @Before
  public void startServers() throws Exception {
    servers = Servers.start();
    checkpoints = Files.createTempDirectory("aggregator-nested-live");
  }

  @After
  public void stopServers() {
    servers.close();
  }

  List<String> args() {
    List<String> args = JobArgs.of(servers.kafka.bootstrapServers(), TOPIC,
        ShippedFilesIT.sqlFile("max_min_per_item.sql"), servers.mongo.uri(), DATABASE, COLLECTION,
        "item_id=$.item_id", "interaction_type=$.interaction_type");
    args.add("--checkpointDir=" + checkpoints); // JobArgs: update, a batch every second
    return args;
  }

  /** The per-window nested test file, checkpointing often on Flink (ignored elsewhere). */
  List<String> windowedArgs() {
    Path file = Path.of(System.getProperty("aggregator.repoRoot", ".."),
        "pipeline", "src", "test", "resources", "sql", "mean_item_count_5m.sql");
    List<String> args = JobArgs.of(servers.kafka.bootstrapServers(), TOPIC, file,
        servers.mongo.uri(), DATABASE, COLLECTION, "item_id=$.item_id");
    args.add("--checkpointDir=" + checkpoints);
    if (ClustersIT.onFlink()) {
      args.add("--checkpointingInterval=" + CHECKPOINT_MILLIS);
    }
    return args;
  }

  @Test
  public void nestedDocumentsFollowAStreamThatNeverPauses() throws Exception {
    servers.kafka.createTopic(TOPIC, 2);
    List<Interaction> sent = new CopyOnWriteArrayList<>();
    AtomicBoolean producing = new AtomicBoolean(true);
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (BackgroundJob job = BackgroundJob.start(args())) {
      Thread producer = new Thread(() -> produce(producing, sent, failure), "producer");
      producer.start();
      try {
        BackgroundJob.await("nested documents while events arrive", 150,
            () -> !documents().isEmpty() || !producer.isAlive());
        if (failure.get() != null) {
          throw failure.get(); // the producer's own error, not the assertion below, says why
        }
        assertTrue("the producer was still sending when the first documents came",
            producer.isAlive() && failure.get() == null);
      } finally {
        producing.set(false);
        producer.join();
      }
      if (failure.get() != null) {
        throw failure.get();
      }
      Map<String, Document> expected = Expected.maxMinPerItem(List.copyOf(sent));
      Documents.awaitSame("the nested documents of all " + sent.size() + " events sent", 180,
          expected, this::documents);
      assertFalse("the job ran throughout", job.ended());
    }
  }

  /**
   * A per-window nested file while windows close one after another and Flink checkpoints every
   * {@link #CHECKPOINT_MILLIS}: a checkpoint must not let the watermark overtake rows a step still
   * holds (read in Beam's Flink operator: a bundle finished during a checkpoint keeps its output
   * in a buffer that a bundle timer's watermark can overtake, whose rows would then be dropped as
   * late downstream; docs/semantics.md, "Restarts"). Every window's document must equal plain
   * Java's.
   */
  @Test
  public void windowedNestedDocumentsSurviveCheckpointsAsWindowsClose() throws Exception {
    servers.kafka.createTopic(TOPIC, 2);
    List<Interaction> sent = new CopyOnWriteArrayList<>();
    AtomicBoolean producing = new AtomicBoolean(true);
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (BackgroundJob job = BackgroundJob.start(windowedArgs())) {
      // Bursts of 20 minutes of event time, 1.5 s apart: each closes windows of its own events,
      // a checkpoint is likely while a bundle holds them, and no event follows for longer than
      // an operator's bundle time (1 s), so its bundle timer may run before the next input.
      Thread producer = new Thread(
          () -> produce(producing, sent, failure, 12_000, 1_500, WINDOWED_PRODUCING_MILLIS), "producer");
      producer.start();
      producer.join(); // the load: it ends after WINDOWED_PRODUCING_MILLIS
      if (failure.get() != null) {
        throw failure.get();
      }
      Map<String, Document> expected = Expected.meanItemCountPerWindow(List.copyOf(sent));
      Documents.awaitSame("the per-window documents of all " + sent.size() + " events sent", 180,
          expected, this::documents);
      assertFalse("the job ran throughout", job.ended());
    }
  }

  /**
   * Rounds of events paced {@code paceMillis} apart (the load's rate, not a synchronisation),
   * event times rising by a step per event so that none is late. Items and types are drawn so that
   * the most and least frequent type of an item keep changing while the stream runs.
   */
  void produce(AtomicBoolean producing, List<Interaction> sent, AtomicReference<Exception> failure) {
    produce(producing, sent, failure, 10, PACE_MILLIS, MAX_PRODUCING_MILLIS);
  }

  void produce(AtomicBoolean producing, List<Interaction> sent, AtomicReference<Exception> failure,
      long eventTimeStepMillis, long paceMillis, long maxMillis) {
    Random random = new Random(29);
    String[] types = {"click", "like", "purchase", "share", "view"};
    long start = System.currentTimeMillis();
    long eventTime = TestData.T0;
    try {
      while (producing.get() && System.currentTimeMillis() - start < maxMillis) {
        List<List<byte[]>> partitions = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < 2 * EVENTS_PER_ROUND; i++) {
          Interaction e = new Interaction("u-" + random.nextInt(20), "i-" + random.nextInt(8),
              types[random.nextInt(types.length)], eventTime += eventTimeStepMillis);
          partitions.get(i % 2).add(e.toJsonBytes());
          sent.add(e);
        }
        servers.send(TOPIC, partitions);
        Thread.sleep(paceMillis);
      }
    } catch (Exception e) {
      failure.set(e);
    }
  }

  Map<String, Document> documents() {
    return Documents.read(servers.client, DATABASE, COLLECTION);
  }
}
