package io.aggregator.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.aggregator.generator.Interaction;
import io.aggregator.metrics.JobMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * Unbounded jobs on topics whose partitions do not all behave (docs/semantics.md, "Watermark" and
 * "Partitions"), on this build's runner: a partition that goes quiet must not stop windows from
 * closing, and a partition added while the job runs must be read. Event times are in the past and
 * move much faster than the clock, as in a backfill: the idle rule must not lean on the clock.
 */
public class PartitionsIT {

  static final String DATABASE = "it";
  static final long T0 = TestData.T0;
  static final long SECOND = 1_000;
  static final long MINUTE = 60 * SECOND;
  static final String IDLE_TIMEOUT = "5 seconds";

  Servers servers;
  Path checkpoints;

  @Before
  public void startServers() throws Exception {
    servers = Servers.start();
    checkpoints = Files.createTempDirectory("aggregator-partitions");
  }

  @After
  public void stopServers() {
    servers.close();
  }

  List<String> args(String topic, Path sql, String collection, String writeMethod) {
    List<String> args = new ArrayList<>(List.of(
        "--bootstrapServers=" + servers.kafka.bootstrapServers(),
        "--topic=" + topic,
        "--sqlFile=" + sql,
        "--jsonFieldsMap=item_id=$.item_id",
        "--jsonFieldsMap=interaction_type=$.interaction_type",
        "--allowLateFor=1 minute",
        "--batchInterval=1 second",
        "--writeMethod=" + writeMethod,
        "--idleTimeout=" + IDLE_TIMEOUT,
        "--partitionDiscoveryInterval=2 seconds",
        "--writerConf=uri=" + servers.mongo.uri(),
        "--writerConf=database=" + DATABASE,
        "--writerConf=collection=" + collection,
        "--checkpointDir=" + checkpoints));
    args.addAll(Runners.options(Runners.current()));
    return args;
  }

  /** One event a second from {@code from} (inclusive) to {@code to} (exclusive), items i-0..i-2. */
  static List<Interaction> everySecond(long from, long to) {
    List<Interaction> events = new ArrayList<>();
    for (long t = from; t < to; t += SECOND) {
      int n = events.size();
      events.add(new Interaction("u-" + n % 7, "i-" + n % 3, n % 2 == 0 ? "click" : "view", t));
    }
    return events;
  }

  static List<byte[]> json(List<Interaction> events) {
    List<byte[]> out = new ArrayList<>();
    for (Interaction e : events) {
      out.add(e.toJsonBytes());
    }
    return out;
  }

  /** interactions_per_item_5m's documents for the windows that end at or before {@code closedBy}. */
  static Map<String, Document> closedWindows(List<Interaction> events, long closedBy) {
    List<Interaction> in = new ArrayList<>();
    for (Interaction e : events) {
      if (Expected.windowStart(e.timestampMillis) + Expected.WINDOW <= closedBy) {
        in.add(e);
      }
    }
    return Expected.countsPer(in, "item_id", e -> e.itemId);
  }

  Map<String, Document> documents(String collection) {
    return Documents.read(servers.client, DATABASE, collection);
  }

  /**
   * Partition 1 sends two minutes of events and goes quiet while partition 0 goes on for twelve and
   * keeps delivering ({@link Heartbeat}). Without the idle rule the job's watermark would stay at
   * partition 1's (T0 + 1 min) and {@code append} would write nothing; with it the windows before
   * T0 + 10 min close once partition 1 has been quiet for the idle timeout. Then the roles swap:
   * partition 1 speaks again, and an event behind the watermark it was given is late and dropped,
   * one ahead of it counts (both judged in partition 1's own order, so the test has no race), while
   * partition 0 goes quiet and follows partition 1 to close the third window.
   */
  @Test
  public void quietPartitionStopsHoldingTheWatermarkAndRejoins() throws Exception {
    String topic = "quiet";
    servers.kafka.createTopic(topic, 2);
    List<Interaction> busy = everySecond(T0, T0 + 12 * MINUTE);
    List<Interaction> quiet = everySecond(T0, T0 + 2 * MINUTE);
    servers.send(topic, List.of(json(busy), json(quiet)));
    List<Interaction> counted = new ArrayList<>(busy);
    counted.addAll(quiet);
    Path sql = ShippedFilesIT.sqlFile("interactions_per_item_5m.sql");
    try (BackgroundJob job = BackgroundJob.start(args(topic, sql, "quiet", "append"))) {
      // Watermark T0 + 11 min: [T0, T0 + 5) and [T0 + 5, T0 + 10) close, [T0 + 10, T0 + 15) not.
      Map<String, Document> firstTwo = closedWindows(counted, T0 + 10 * MINUTE);
      try (Heartbeat beat = new Heartbeat(topic, 0, T0 + 12 * MINUTE)) {
        Documents.awaitSame("the windows the quiet partition held back", 180, firstTwo,
            () -> documents("quiet"));
        counted.addAll(beat.stop());
      }

      // Partition 1 again, raised to T0 + 12 min: one event far behind its watermark, one ahead of
      // it, then on to T0 + 17 min, which closes [T0 + 10, T0 + 15) once partition 0 is raised.
      Interaction late = new Interaction("u-late", "i-0", "click", T0 + 3 * MINUTE);
      Interaction onTime = new Interaction("u-back", "i-9", "click", T0 + 12 * MINUTE + 30 * SECOND);
      List<Interaction> back = new ArrayList<>(List.of(late, onTime));
      back.addAll(everySecond(T0 + 12 * MINUTE, T0 + 17 * MINUTE));
      servers.send(topic, List.of(List.of(), json(back)));
      counted.addAll(back.subList(1, back.size()));
      Map<String, Document> firstThree = closedWindows(counted, T0 + 15 * MINUTE);
      try (Heartbeat beat = new Heartbeat(topic, 1, T0 + 17 * MINUTE - SECOND)) {
        Documents.awaitSame("the third window, with the returning partition's on-time event", 180,
            firstThree, () -> documents("quiet"));
      }
      // Counters are live on every runner; Flink's as of the TaskManagers' last heartbeat.
      BackgroundJob.await("the late event counted", 60, () -> job.counter(JobMetrics.EVENTS_DROPPED_LATE) == 1);
      assertEquals(1, job.counter(JobMetrics.EVENTS_DROPPED_LATE));
      assertFalse("the job ran throughout", job.ended());
    }
  }

  /**
   * One partition of {@code topic} kept active: one event at {@code eventTime} every 500 ms, so
   * that it leads the quiet one (docs/semantics.md, "Watermark": when every partition is quiet,
   * nothing moves). Paces a producer; nothing waits on it.
   */
  final class Heartbeat implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<Interaction> sent = Collections.synchronizedList(new ArrayList<>());

    Heartbeat(String topic, int partition, long eventTime) {
      timer.scheduleAtFixedRate(() -> {
        Interaction e = new Interaction("u-beat", "i-beat", "view", eventTime);
        List<List<byte[]>> partitions = new ArrayList<>();
        for (int p = 0; p < partition; p++) {
          partitions.add(List.of());
        }
        partitions.add(json(List.of(e)));
        try {
          servers.send(topic, partitions);
          sent.add(e);
        } catch (Exception ex) {
          throw new IllegalStateException(ex);
        }
      }, 0, 500, TimeUnit.MILLISECONDS);
    }

    /** Stops sending and returns every event sent. */
    List<Interaction> stop() throws InterruptedException {
      timer.shutdown();
      assertTrue("the heartbeat stopped", timer.awaitTermination(30, TimeUnit.SECONDS));
      return new ArrayList<>(sent);
    }

    @Override
    public void close() throws InterruptedException {
      if (!timer.isShutdown()) {
        stop();
      }
    }
  }

  /**
   * A topic grown from one partition to two while the job runs: the new partition's events are
   * read from its first offset, within the discovery interval. The DirectRunner's read looks every
   * {@code --partitionDiscoveryInterval}; on Flink and Spark, whose classic source knows only the
   * partitions of its start, the launcher looks as often and restarts the job, which goes on
   * running.
   */
  @Test
  public void partitionAddedWhileRunningIsRead() throws Exception {
    String topic = "growing";
    servers.kafka.createTopic(topic, 1);
    List<Interaction> first = everySecond(T0, T0 + 5 * MINUTE);
    servers.send(topic, List.of(json(first)));
    Path sql = ShippedFilesIT.testFile("count_per_item.sql");
    List<String> args = args(topic, sql, "growing", "update");
    try (BackgroundJob job = BackgroundJob.start(args)) {
      Documents.awaitSame("the first partition's counts", 180, countsPerItem(first),
          () -> documents("growing"));
      servers.kafka.addPartitions(topic, 2);
      List<Interaction> second = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        second.add(new Interaction("u-1", "i-new-" + i % 4, "view", T0 + 5 * MINUTE + i * SECOND));
      }
      servers.send(topic, List.of(List.of(), json(second)));
      List<Interaction> all = new ArrayList<>(first);
      all.addAll(second);
      Documents.awaitSame("the new partition's counts", 180, countsPerItem(all),
          () -> documents("growing"));
      assertFalse("the job ran throughout", job.ended());
    }
  }

  /** count_per_item (test file): per item, every event. */
  static Map<String, Document> countsPerItem(List<Interaction> events) {
    Map<String, Document> docs = new TreeMap<>();
    for (Interaction e : events) {
      Document d = docs.computeIfAbsent(e.itemId,
          k -> new Document("_id", k).append("item_id", k).append("interaction_count", 0L));
      d.put("interaction_count", d.getLong("interaction_count") + 1);
    }
    return docs;
  }
}
