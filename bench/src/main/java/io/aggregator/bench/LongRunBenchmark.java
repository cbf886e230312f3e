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
 * on how long it has run? Loads {@code --days} of events ({@code --eventsPerMinute}, event time in
 * order, two partitions) once, then runs each runner and SQL file as an <b>unbounded</b> job in a
 * process of its own, launched as {@code scripts/aggregator} launches it (the runner profile's
 * JVM flags, 1 GiB heap), and samples it every {@code --sampleSeconds}: heap used after a full GC
 * ({@code jcmd GC.run}, then {@code GC.heap_info}) and resident memory, against the simulated day
 * it has reached (the events its documents reflect, from their {@code _events}). Stops a job once
 * its documents reflect every event, or after {@code --maxMinutes}. Prints every sample, writes
 * {@code longrun.csv} and {@code longrun.png} to {@code --out}.
 *
 * <p>{@code scripts/bench-longrun [--runners=DirectRunner,FlinkRunner,SparkRunner]
 * [--sqlFiles=a.sql,b.sql] [--days=30] [--eventsPerMinute=20] [--items=1000] [--jobArgs="..."]}
 */
public final class LongRunBenchmark {

  static final String DEFAULT_FILES =
      "pipeline/src/test/resources/sql/mean_item_count_5m.sql,sql_files/avg_interactions_per_item_whole.sql";
  static final long T0 = java.time.Instant.parse("2024-10-01T00:00:00Z").toEpochMilli();

  private LongRunBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = ThroughputBenchmark.options(args);
    Path root = Path.of(o.getOrDefault("root", "."));
    List<String> runners = Arrays.asList(o.getOrDefault("runners", "DirectRunner").split(","));
    List<String> files = Arrays.asList(o.getOrDefault("sqlFiles", DEFAULT_FILES).split(","));
    int days = Integer.parseInt(o.getOrDefault("days", "30"));
    int perMinute = Integer.parseInt(o.getOrDefault("eventsPerMinute", "20"));
    int items = Integer.parseInt(o.getOrDefault("items", "1000"));
    Path out = Files.createDirectories(root.resolve(o.getOrDefault("out", "bench-results")));
    List<String> jobArgs = ThroughputBenchmark.words(o.get("jobArgs"));
    long total = (long) days * 1440 * perMinute;

    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        EmbeddedMongo mongo = EmbeddedMongo.start()) {
      String topic = "longrun";
      kafka.createTopic(topic, 2);
      load(kafka.bootstrapServers(), topic, days, perMinute, items);
      System.out.printf(Locale.ROOT, "%,d events: %d simulated days, %d a minute, %,d items, 5 types%n",
          total, days, perMinute, items);
      List<LongRun.Sample> samples = new ArrayList<>();
      for (String runner : runners) {
        for (String file : files) {
          LongRun run = new LongRun(root, runner, file, kafka.bootstrapServers(), topic, mongo.uri(),
              total, (double) perMinute * 1440, jobArgs, out);
          samples.addAll(run.sample(
              Integer.parseInt(o.getOrDefault("sampleSeconds", "15")),
              Integer.parseInt(o.getOrDefault("maxMinutes", "20"))));
        }
      }
      LongRunReport.write(samples, out, days);
    }
  }

  /** Event time in order, one day at a time, alternating partitions. */
  static void load(String servers, String topic, int days, int perMinute, int items) throws Exception {
    EventGenerator generator = new EventGenerator(42, 1000, items, 5, 0, 0);
    try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(servers)) {
      long day = 86_400_000L;
      for (int d = 0; d < days; d++) {
        List<byte[]> values = new ArrayList<>(1440 * perMinute);
        for (Interaction e : generator.batch(1440 * perMinute, T0 + d * day, day)) {
          values.add(e.toJsonBytes());
        }
        EventGenerator.send(producer, topic, values, i -> i % 2);
      }
    }
  }
}
