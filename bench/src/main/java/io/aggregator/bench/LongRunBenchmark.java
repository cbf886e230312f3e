package io.aggregator.bench;

import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.generator.EventGenerator;
import io.aggregator.generator.Interaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Months of event time compressed into minutes: does a job's memory depend on its live groups or
 * on how long it has run? Runs each runner and SQL file as an <b>unbounded</b> job in a process of
 * its own while {@code --days} of events ({@code --eventsPerMinute} a simulated minute, event time
 * in order, two partitions) are produced to a topic of its own at {@code --eventsPerSecond}. A job
 * is launched as {@code scripts/aggregator} launches it (the runner profile's JVM flags, 1 GiB
 * heap) and sampled every {@code --sampleSeconds}: the live heap (the objects alive
 * after a full GC, {@code jcmd GC.class_histogram}) and resident memory, against the simulated day
 * it has reached (the events its documents reflect, from their {@code _events}). Stops a job once
 * its documents reflect every event, or after {@code --maxMinutes}. Prints every sample, writes
 * {@code longrun.csv} and {@code longrun.png} to {@code --out}.
 *
 * <p>{@code scripts/bench-longrun [--runners=DirectRunner,FlinkRunner,SparkRunner]
 * [--sqlFiles=a.sql,b.sql] [--days=30] [--eventsPerMinute=10] [--eventsPerSecond=1000]
 * [--items=1000] [--jobArgs="..."]}; {@code --chartFrom=a/longrun.csv,b/longrun.csv} draws the
 * samples of earlier runs in one chart instead of running.
 */
public final class LongRunBenchmark {

  static final String DEFAULT_FILES =
      "pipeline/src/test/resources/sql/mean_item_count_5m.sql,sql_files/avg_interactions_per_item_whole.sql";
  static final long T0 = java.time.Instant.parse("2024-10-01T00:00:00Z").toEpochMilli();

  /** About how long a job takes to start reading (JVM, planning, runner), measured here. */
  static final long JOB_START_MILLIS = 20_000;

  private LongRunBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = ThroughputBenchmark.options(args);
    Path root = Path.of(o.getOrDefault("root", "."));
    List<String> runners = Arrays.asList(o.getOrDefault("runners", "DirectRunner").split(","));
    List<String> files = Arrays.asList(o.getOrDefault("sqlFiles", DEFAULT_FILES).split(","));
    int days = Integer.parseInt(o.getOrDefault("days", "30"));
    int perMinute = Integer.parseInt(o.getOrDefault("eventsPerMinute", "10"));
    int items = Integer.parseInt(o.getOrDefault("items", "1000"));
    Path out = Files.createDirectories(root.resolve(o.getOrDefault("out", "bench-results")));
    List<String> jobArgs = ThroughputBenchmark.words(o.get("jobArgs"));
    long total = (long) days * 1440 * perMinute;

    int perSecond = Integer.parseInt(o.getOrDefault("eventsPerSecond", "1000"));
    if (o.containsKey("chartFrom")) {
      List<LongRun.Sample> earlier = new ArrayList<>();
      for (String csv : o.get("chartFrom").split(",")) {
        earlier.addAll(LongRunReport.read(root.resolve(csv)));
      }
      LongRunReport.write(earlier, out, days);
      return;
    }
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        EmbeddedMongo mongo = EmbeddedMongo.start()) {
      System.out.printf(Locale.ROOT, "%,d events: %d simulated days, %d a minute, %,d items, 5 types,"
          + " produced at %,d a second while each job runs%n", total, days, perMinute, items, perSecond);
      List<LongRun.Sample> samples = new ArrayList<>();
      int n = 0;
      for (String runner : runners) {
        for (String file : files) {
          String topic = "longrun" + n++;
          kafka.createTopic(topic, 2);
          Thread producer = new Thread(() -> produce(
              kafka.bootstrapServers(), topic, days, perMinute, items, perSecond), "produce-" + topic);
          producer.setDaemon(true);
          LongRun run = new LongRun(root, runner, file, kafka.bootstrapServers(), topic, mongo.uri(),
              total, (double) perMinute * 1440, jobArgs, out);
          producer.start();
          samples.addAll(run.sample(
              Integer.parseInt(o.getOrDefault("sampleSeconds", "15")),
              Integer.parseInt(o.getOrDefault("maxMinutes", "20"))));
          producer.interrupt();
        }
      }
      LongRunReport.write(samples, out, days);
    }
  }

  /**
   * Event time in order, one simulated hour at a time, alternating partitions, paced at {@code
   * perSecond}: the job reads as a live job does, a few windows open at a time, rather than a
   * backfill of the whole month (on the DirectRunner, whose watermark bookkeeping grows with the
   * windows in flight, a backfill measures that instead).
   */
  static void produce(String servers, String topic, int days, int perMinute, int items, int perSecond) {
    EventGenerator generator = new EventGenerator(42, 1000, items, 5, 0, 0);
    long hour = 3_600_000L;
    long sent = 0;
    try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(servers)) {
      Thread.sleep(JOB_START_MILLIS); // not a backlog for the job to catch up on as it starts
      long start = System.nanoTime();
      for (int h = 0; h < days * 24; h++) {
        List<byte[]> values = new ArrayList<>(60 * perMinute);
        for (Interaction e : generator.batch(60 * perMinute, T0 + h * hour, hour)) {
          values.add(e.toJsonBytes());
        }
        EventGenerator.send(producer, topic, values, i -> i % 2);
        sent += values.size();
        long due = start + sent * 1_000_000_000L / perSecond;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the job was stopped: stop producing
    } catch (Exception e) {
      throw new IllegalStateException("producing to " + topic + " failed", e);
    }
  }
}
