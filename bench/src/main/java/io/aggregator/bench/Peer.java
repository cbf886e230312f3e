package io.aggregator.bench;

import io.aggregator.bench.ThroughputBenchmark.Measured;
import io.aggregator.bench.ThroughputBenchmark.Run;
import io.aggregator.peers.ResultSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The engines our users compare us with, run on the same topic in the same benchmark run (README,
 * "Performance"): native Flink SQL, and Spark Structured Streaming the PySpark module's way with
 * Spark's default 200 shuffle partitions and with 2. Each runs from its own module's classpath
 * ({@code peers/}, built with {@code -Ppeers}) in a process of its own, timed like the jobs, and
 * its result is checked against the one worked out from the generated events.
 */
enum Peer {
  FLINK_SQL("Flink SQL native", "flink-sql", "io.aggregator.peers.flinksql.FlinkSqlPeer", List.of()),
  SPARK_SS_200("Spark SS 200 parts", "spark-sql",
      "io.aggregator.peers.sparksql.StructuredStreamingPeer", List.of("--shufflePartitions=200")),
  SPARK_SS_2("Spark SS 2 parts", "spark-sql",
      "io.aggregator.peers.sparksql.StructuredStreamingPeer", List.of("--shufflePartitions=2"));

  /** The one query every peer runs, the benchmark's default file. */
  static final String QUERY = "interactions_per_item_5m.sql";

  static final Pattern PEER_LINE = Pattern.compile("peer: (\\d+) events, ([0-9.]+) s");

  final String label;
  private final String module;
  private final String mainClass;
  private final List<String> args;

  Peer(String label, String module, String mainClass, List<String> args) {
    this.label = label;
    this.module = module;
    this.mainClass = mainClass;
    this.args = args;
  }

  /** {@code --peers=flink-sql,spark-ss-200,spark-ss-2}, {@code all} or {@code none}. */
  static List<Peer> parse(String list) {
    List<Peer> peers = new ArrayList<>();
    if (list.equals("none")) {
      return peers;
    }
    if (list.equals("all")) {
      return List.of(values());
    }
    for (String name : list.split(",")) {
      peers.add(valueOf(name.trim().toUpperCase().replace('-', '_')));
    }
    return peers;
  }

  /**
   * Runs the peer on {@code topic} and checks its result against {@code expected} (null: a topic
   * the benchmark did not load, unchecked).
   */
  Run run(Path root, String servers, String topic, int round, Path out,
      @Nullable ResultSummary expected) throws Exception {
    Path dir = root.resolve("peers").resolve(module).resolve("target");
    String classpath = dir.resolve("classes") + ":" + Files.readString(dir.resolve("classpath.txt")).trim();
    List<String> command = new ArrayList<>();
    command.add(ThroughputBenchmark.java());
    // Spark's Java 17 flags (runner-profiles/spark.conf); Flink's mini-cluster gets the same heap
    // cap as our Flink jobs.
    Map<String, String> spark = RunnerProfile.read(root.resolve("runner-profiles/spark.conf"));
    command.addAll(ThroughputBenchmark.words(spark.get("JVM_FLAGS")));
    if (this == FLINK_SQL) {
      command.add("-Xmx1g");
    }
    command.addAll(List.of("-cp", classpath, mainClass, "--bootstrapServers=" + servers, "--topic=" + topic));
    command.addAll(args);
    String name = module + "-" + name().toLowerCase() + "-" + round;
    Measured m = Measured.run(command, out.resolve(name + ".log"));
    Matcher line = PEER_LINE.matcher(m.output);
    if (m.exitCode != 0 || !line.find()) {
      throw new IllegalStateException(label + " failed (exit " + m.exitCode + "):\n" + ThroughputBenchmark.tail(m.output));
    }
    if (expected != null && !expected.matches(m.output)) {
      throw new IllegalStateException(label + " gave a wrong result: expected " + expected.line()
          + ", got " + ResultSummary.found(m.output) + " (log: " + out.resolve(name + ".log") + ")");
    }
    long rows = expected == null ? 0 : expected.rows();
    return new Run(label, QUERY, round, Long.parseLong(line.group(1)), m.wallSeconds,
        Double.parseDouble(line.group(2)), m.peakRssKb, rows, 0, m.cpuSeconds);
  }
}
