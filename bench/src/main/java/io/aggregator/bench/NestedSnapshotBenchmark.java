package io.aggregator.bench;

import io.aggregator.Aggregator;
import io.aggregator.launch.RunningJob;
import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.generator.EventGenerator;
import io.aggregator.generator.Interaction;
import io.aggregator.sql.SqlFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * What a for_each_batch query costs when the first query has many groups: the same bounded replay
 * (every item its own group) is run with {@code avg_interactions_per_item_whole.sql} (first query
 * plus the nested average over all items) and with its first query alone (the baseline, which
 * writes one document per item instead of one in all). Prints wall times, their medians, the ratio
 * of the medians, and the snapshot figures of the nested runs. DirectRunner, embedded servers.
 *
 * <p>{@code scripts/bench-nested [--groups=100000] [--runs=3] [job options, e.g. --runner=FlinkRunner]}
 */
public final class NestedSnapshotBenchmark {

  private NestedSnapshotBenchmark() {}

  public static void main(String[] args) throws Exception {
    int groups = intArg(args, "--groups", 100_000);
    int runs = intArg(args, "--runs", 3);
    int events = groups + groups / 10;
    Path nested = Path.of("sql_files", "avg_interactions_per_item_whole.sql");
    Path baseline = Files.createTempFile("baseline-", ".sql");
    baseline.toFile().deleteOnExit();
    // The nested file's first query, with the line layout kept so that nothing else differs.
    Files.writeString(baseline, SqlFile.read(nested.toString()).mainQuery(), StandardCharsets.UTF_8);

    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        EmbeddedMongo mongo = EmbeddedMongo.start()) {
      String topic = "bench";
      kafka.createTopic(topic, 2);
      List<byte[]> values = new ArrayList<>(events);
      long t0 = java.time.Instant.parse("2024-10-28T12:00:00Z").toEpochMilli();
      for (int i = 0; i < events; i++) {
        values.add(
            new Interaction("u-" + (i % 1000), "i-" + (i % groups), "click", t0 + i * 10L)
                .toJsonBytes());
      }
      try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(kafka.bootstrapServers())) {
        EventGenerator.send(producer, topic, values, i -> i % 2);
      }
      System.out.printf(Locale.ROOT, "%d events, %d groups in the first query, %d runs each%n",
          events, groups, runs);

      double[] base = new double[runs];
      double[] nest = new double[runs];
      List<String> snapshots = new ArrayList<>();
      for (int r = 0; r < runs; r++) {
        base[r] = run(kafka, mongo, topic, baseline, "baseline" + r, null, jobArgs(args));
        nest[r] = run(kafka, mongo, topic, nested, "nested" + r, snapshots, jobArgs(args));
        System.out.printf(Locale.ROOT, "run %d: baseline %.1f s, nested %.1f s; %s%n",
            r + 1, base[r], nest[r], snapshots.get(r));
      }
      double mb = median(base);
      double mn = median(nest);
      System.out.printf(Locale.ROOT,
          "median: baseline (first query alone) %.1f s, nested %.1f s, ratio nested/baseline %.2f%n",
          mb, mn, mn / mb);
    }
  }

  private static double run(
      EmbeddedKafka kafka, EmbeddedMongo mongo, String topic, Path sql, String collection,
      List<String> snapshots, List<String> extra) {
    List<String> args = new ArrayList<>(List.of(
      "--bootstrapServers=" + kafka.bootstrapServers(),
      "--topic=" + topic,
      "--sqlFile=" + sql,
      "--jsonFieldsMap=item_id=$.item_id",
      "--writeMethod=update",
      "--writerConf=uri=" + mongo.uri(),
      "--writerConf=database=bench",
      "--writerConf=collection=" + collection,
      "--readUntilLatest"));
    args.addAll(extra);
    long start = System.nanoTime();
    RunningJob job = Aggregator.start(args.toArray(new String[0]));
    int status = job.awaitCompletion();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (status != 0) {
      throw new IllegalStateException(collection + " run failed");
    }
    if (snapshots != null) {
      snapshots.add(job.snapshotSummary());
    }
    return seconds;
  }

  /** The options meant for the jobs: all but the benchmark's own. */
  private static List<String> jobArgs(String[] args) {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      if (!a.startsWith("--groups=") && !a.startsWith("--runs=")) {
        out.add(a);
      }
    }
    return out;
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static int intArg(String[] args, String name, int dflt) {
    for (String a : args) {
      if (a.startsWith(name + "=")) {
        return Integer.parseInt(a.substring(name.length() + 1));
      }
    }
    return dflt;
  }
}
