package io.aggregator.bench;

import io.aggregator.runners.Runner;
import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.generator.EventGenerator;
import io.aggregator.generator.Interaction;
import io.aggregator.peers.ResultSummary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Events/s and peak memory of each runner over the same events, against the raw Kafka + JSON
 * limit measured in the same run ({@link RawConsumerBaseline}).
 *
 * <p>Loads {@code --events} (2,000,000) once on {@code --partitions} (2): 10,000 users, 1,000
 * items, 5 types over one hour of event time, 5% of them up to a minute out of order. Then, for
 * each of {@code --runs} (3) rounds: the raw consumer, then every runner in {@code --runners} with
 * every file in {@code --sqlFiles}, each a bounded replay ({@code --readUntilLatest}) in a process
 * of its own, launched as {@code scripts/aggregator} would (the runner's jar, JVM flags and local
 * defaults from {@code runner-profiles/}), writing to a MongoDB-wire server. Per run: events/s
 * over the whole process (start to exit) and over the job (as the launcher times it, after JVM
 * start and planning), peak RSS (VmHWM), documents written, and the share of the job's time spent
 * in MongoDB bulk writes. Prints the medians, min and max with their ratio to the raw limit, and
 * writes {@code results.csv}, {@code summary.csv} and {@code throughput.png} to {@code --out}.
 * {@code --profile=true} records a Java Flight Recording of each job; {@code --unbounded=true} runs
 * each job as an unbounded one, as the quick start does, timed until its documents reflect every
 * event.
 */
public final class ThroughputBenchmark {

  static final Pattern END_LINE = Pattern.compile(
      "aggregator: (\\w+) after ([0-9.]+) s: (\\d+) messages read.*?(\\d+) documents written");
  static final Pattern MONGO_TIME = Pattern.compile("MongoDB writes took ([0-9.]+) s");
  static final Pattern RAW_LINE = Pattern.compile("raw: (\\d+) events, ([0-9.]+) s");

  /** One process run: what it read, how long it took, how much memory it held at most. */
  record Run(String runner, String file, int round, long events, double wallSeconds,
      double jobSeconds, long peakRssKb, long documents, double mongoSeconds, double cpuSeconds) {

    /** Cores kept busy on average: below the machine's count, the run waited rather than worked. */
    double coresUsed() {
      return cpuSeconds / wallSeconds;
    }

    double wallRate() {
      return events / wallSeconds;
    }

    double jobRate() {
      return events / jobSeconds;
    }
  }

  private ThroughputBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = options(args);
    Path root = Path.of(o.getOrDefault("root", "."));
    int events = Integer.parseInt(o.getOrDefault("events", "2000000"));
    int partitions = Integer.parseInt(o.getOrDefault("partitions", "2"));
    int runs = Integer.parseInt(o.getOrDefault("runs", "3"));
    List<String> runners = List.of(o.getOrDefault("runners", "DirectRunner,FlinkRunner").split(","));
    List<String> files =
        List.of(o.getOrDefault("sqlFiles", "sql_files/interactions_per_item_5m.sql").split(","));
    Path out = Files.createDirectories(Path.of(o.getOrDefault("out", "bench-results")));
    String classpath = System.getProperty("java.class.path");
    // --profile=true: each job records a Java Flight Recording next to its log.
    boolean profile = Boolean.parseBoolean(o.getOrDefault("profile", "false"));
    // --jobArgs="--fasterCopy=false --x=y": options for every job, over the profile's defaults.
    List<String> jobArgs = words(o.get("jobArgs"));
    // --peers=all|none|flink-sql,spark-ss-200,spark-ss-2: the engines users compare us with.
    List<Peer> peers = Peer.parse(o.getOrDefault("peers", "all"));
    // --unbounded=true: each job reads as an unbounded one (as the quick start runs), timed until
    // its documents reflect every event, then stopped.
    boolean unbounded = Boolean.parseBoolean(o.getOrDefault("unbounded", "false"));

    EmbeddedKafka kafka = null;
    EmbeddedMongo mongo = null;
    try {
      String servers = o.get("bootstrapServers");
      if (servers == null) {
        kafka = EmbeddedKafka.start();
        servers = kafka.bootstrapServers();
      }
      String mongoUri = o.get("mongoUri");
      if (mongoUri == null) {
        mongo = EmbeddedMongo.start();
        mongoUri = mongo.uri();
      }
      String topic = o.getOrDefault("topic", "bench-" + events + "-" + System.currentTimeMillis());
      ResultSummary expected = null; // a topic given with --topic is not checked
      if (!o.containsKey("topic")) {
        long t = System.nanoTime();
        expected = load(kafka, servers, topic, events, partitions);
        System.out.printf(Locale.ROOT, "loaded %,d events on %d partitions of %s in %.1f s%n",
            events, partitions, topic, (System.nanoTime() - t) / 1e9);
      }
      System.out.printf(Locale.ROOT, "machine: %d cores, %s; %d rounds%n",
          Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), runs);

      List<Run> results = new ArrayList<>();
      for (int round = 1; round <= runs; round++) {
        results.add(runRaw(classpath, servers, topic, round, out));
        print(results.get(results.size() - 1));
        for (String runner : runners) {
          for (String file : files) {
            Run r = runJob(root, runner, file, servers, topic, mongoUri, round, out, profile, jobArgs,
                unbounded ? events : -1);
            checkDocuments(runner, file, round, mongoUri, expected);
            results.add(r);
            print(r);
          }
        }
        for (Peer peer : peers) {
          results.add(peer.run(root, servers, topic, round, out, expected));
          print(results.get(results.size() - 1));
        }
      }
      Report.write(results, out);
    } finally {
      if (mongo != null) {
        mongo.close();
      }
      if (kafka != null) {
        kafka.close();
      }
    }
  }

  /**
   * Generates the events into {@code topic} and returns the benchmark query's result over them,
   * worked out here, to check every job's documents and every peer's result (no event is late: at
   * most a minute out of order).
   */
  static ResultSummary load(EmbeddedKafka kafka, String servers, String topic, int events, int partitions)
      throws Exception {
    Map<String, long[]> counts = new HashMap<>();
    if (kafka != null) {
      kafka.createTopic(topic, partitions);
    }
    EventGenerator gen = new EventGenerator(1, 10_000, 1_000, 5, 0.05, 60_000L);
    long t0 = Instant.parse("2024-10-28T12:00:00Z").toEpochMilli();
    long hour = 3_600_000L;
    int chunk = 100_000;
    try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(servers)) {
      for (int from = 0; from < events; from += chunk) {
        List<byte[]> values = new ArrayList<>(chunk);
        for (int i = from; i < Math.min(events, from + chunk); i++) {
          Interaction e = gen.next(t0 + i * hour / events);
          values.add(e.toJsonBytes());
          String key = e.itemId + '\n' + e.interactionType + '\n' + ResultSummary.windowStart(e.timestampMillis);
          counts.computeIfAbsent(key, k -> new long[1])[0]++;
        }
        int base = from;
        EventGenerator.send(producer, topic, values, i -> (base + i) % partitions);
      }
    }
    ResultSummary expected = new ResultSummary();
    counts.forEach((key, n) -> {
      String[] k = key.split("\n");
      expected.addRow(k[0], k[1], Long.parseLong(k[2]), n[0]);
    });
    return expected;
  }

  static Run runRaw(String classpath, String servers, String topic, int round, Path out)
      throws Exception {
    List<String> command = List.of(java(), "-cp", classpath, RawConsumerBaseline.class.getName(),
        "--bootstrapServers=" + servers, "--topic=" + topic);
    Measured m = Measured.run(command, out.resolve("raw-" + round + ".log"));
    Matcher raw = RAW_LINE.matcher(m.output);
    if (!raw.find()) {
      throw new IllegalStateException("the raw consumer failed:\n" + tail(m.output));
    }
    long events = Long.parseLong(raw.group(1));
    return new Run("raw Kafka + JSON", "-", round, events, m.wallSeconds,
        Double.parseDouble(raw.group(2)), m.peakRssKb, 0, 0, m.cpuSeconds);
  }

  static Run runJob(Path root, String runner, String file, String servers, String topic,
      String mongoUri, int round, Path out, boolean profile, List<String> jobArgs,
      long unboundedEvents) throws Exception {
    String mavenProfile = profile(runner);
    Map<String, String> conf =
        RunnerProfile.read(root.resolve("runner-profiles").resolve(mavenProfile + ".conf"));
    List<String> command = new ArrayList<>();
    command.add(java());
    command.addAll(localJvmFlags(conf));
    // As scripts/aggregator: AGGREGATOR_JAVA_OPTS after the profile's flags (the last -Xmx wins).
    command.addAll(words(System.getenv("AGGREGATOR_JAVA_OPTS")));
    String name = runner + "-" + Path.of(file).getFileName() + "-" + round;
    String collection = collection(runner, file, round);
    if (profile) {
      // Java Flight Recorder, for where the time goes: jfr print --events jdk.ExecutionSample
      command.add("-XX:StartFlightRecording=settings=profile,filename=" + out.resolve(name + ".jfr"));
    }
    command.addAll(jobJarAndArgs(root, runner, file, servers, topic, mongoUri, "bench", collection));
    if (unboundedEvents < 0) {
      command.add("--readUntilLatest");
    }
    command.addAll(withJobArgs(words(conf.get("RUNNER_DEFAULTS")), jobArgs));
    // An unbounded job never ends: it is timed until its documents reflect every event.
    BooleanSupplier done = unboundedEvents < 0
        ? () -> false
        : ReflectedEvents.reached(mongoUri, "bench", collection, unboundedEvents);
    Measured m;
    if (PagePoller.wanted(jobArgs)) {
      try (PagePoller page = new PagePoller(out.resolve(name + ".log"))) {
        m = Measured.run(command, out.resolve(name + ".log"), done);
        System.out.printf("%s: results page polled %d times%n", name, page.polls());
      }
    } else {
      m = Measured.run(command, out.resolve(name + ".log"), done);
    }
    if (unboundedEvents >= 0) {
      if (!m.stoppedWhenDone) {
        throw new IllegalStateException(name + " ended before reflecting every event (exit "
            + m.exitCode + "):\n" + tail(m.output));
      }
      return new Run(runner + " unbounded", Path.of(file).getFileName().toString(), round,
          unboundedEvents, m.wallSeconds, m.wallSeconds, m.peakRssKb, 0, 0, m.cpuSeconds);
    }
    Matcher end = END_LINE.matcher(m.output);
    if (m.exitCode != 0 || !end.find() || !end.group(1).equals("DONE")) {
      throw new IllegalStateException(name + " failed (exit " + m.exitCode + "):\n" + tail(m.output));
    }
    Matcher mongoTime = MONGO_TIME.matcher(m.output);
    return new Run(runner, Path.of(file).getFileName().toString(), round,
        Long.parseLong(end.group(3)), m.wallSeconds, Double.parseDouble(end.group(2)), m.peakRssKb,
        Long.parseLong(end.group(4)), mongoTime.find() ? Double.parseDouble(mongoTime.group(1)) : 0,
        m.cpuSeconds);
  }

  /** The collection a job of {@code runner} over {@code file} writes in {@code round}. */
  static String collection(String runner, String file, int round) {
    return runner + "_" + Path.of(file).getFileName().toString().replace(".sql", "") + "_" + round;
  }

  /**
   * Fails the benchmark when a job's documents are not the result worked out from the events
   * ({@link #load}): a figure for wrong documents means nothing. Only the benchmark's own file and
   * topic can be checked.
   */
  static void checkDocuments(String runner, String file, int round, String mongoUri,
      ResultSummary expected) {
    if (expected == null || !file.endsWith("interactions_per_item_5m.sql")) {
      return;
    }
    ResultSummary found = ReflectedEvents.summary(mongoUri, "bench", collection(runner, file, round));
    if (!found.line().equals(expected.line())) {
      throw new IllegalStateException(runner + " round " + round
          + ": the documents are not the result worked out from the events: " + found.line()
          + ", expected " + expected.line());
    }
  }

  /** {@code -jar <the runner's jar>} and a job's options: the generated fields, update, MongoDB. */
  static List<String> jobJarAndArgs(Path root, String runner, String file, String servers,
      String topic, String mongoUri, String database, String collection) {
    return List.of("-jar",
        root.resolve("pipeline/target/aggregator-" + profile(runner) + ".jar").toString(),
        "--runner=" + runner,
        "--bootstrapServers=" + servers,
        "--topic=" + topic,
        "--sqlFile=" + root.resolve(file),
        "--jsonFieldsMap=user_id=$.user_id",
        "--jsonFieldsMap=item_id=$.item_id",
        "--jsonFieldsMap=interaction_type=$.interaction_type",
        "--writeMethod=update",
        "--writerConf=uri=" + mongoUri,
        "--writerConf=database=" + database,
        "--writerConf=collection=" + collection);
  }

  static void print(Run r) {
    System.out.printf(Locale.ROOT,
        "round %d  %-18s %-32s %,10d events  %7.1f s  %,9.0f events/s (whole process)  %,9.0f"
            + " events/s (job)  %.2f cores  peak RSS %,6d MB  %,d documents%s%n",
        r.round(), r.runner(), r.file(), r.events(), r.wallSeconds(), r.wallRate(), r.jobRate(),
        r.coresUsed(), r.peakRssKb() / 1024, r.documents(),
        r.mongoSeconds() > 0
            ? String.format(Locale.ROOT, "  MongoDB writes %.0f%% of the job", 100 * r.mongoSeconds() / r.jobSeconds())
            : "");
  }

  /** A child process, its output, wall time, CPU time and peak resident memory. */
  static final class Measured {
    /** Clock ticks per second of /proc/PID/stat's times (USER_HZ, 100 on Linux). */
    static final double TICKS_PER_SECOND = 100;

    final int exitCode;
    final double wallSeconds;
    final double cpuSeconds;
    final long peakRssKb;
    final String output;
    /** Whether it was stopped because it was done, rather than ended by itself. */
    final boolean stoppedWhenDone;

    private Measured(int exitCode, double wallSeconds, double cpuSeconds, long peakRssKb,
        String output, boolean stoppedWhenDone) {
      this.stoppedWhenDone = stoppedWhenDone;
      this.exitCode = exitCode;
      this.wallSeconds = wallSeconds;
      this.cpuSeconds = cpuSeconds;
      this.peakRssKb = peakRssKb;
      this.output = output;
    }

    static Measured run(List<String> command, Path log) throws IOException, InterruptedException {
      return run(command, log, () -> false);
    }

    /** Runs {@code command} until it exits, or until {@code done} (asked every second), then stops it. */
    static Measured run(List<String> command, Path log, BooleanSupplier done)
        throws IOException, InterruptedException {
      long start = System.nanoTime();
      long nextAsk = start;
      boolean stopped = false;
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Path status = Path.of("/proc", Long.toString(p.pid()), "status");
      Path stat = Path.of("/proc", Long.toString(p.pid()), "stat");
      long peak = 0;
      long cpuTicks = 0;
      // VmHWM is the process's own high-water mark, and its CPU time only grows: sampling them
      // often enough before the process exits gives the peak and (within 100 ms) the total.
      double wall = 0;
      while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
        peak = Math.max(peak, vmHwmKb(status));
        cpuTicks = Math.max(cpuTicks, cpuTicks(stat));
        if (System.nanoTime() >= nextAsk) {
          nextAsk = System.nanoTime() + 1_000_000_000L;
          if (done.getAsBoolean()) {
            wall = (System.nanoTime() - start) / 1e9;
            stopped = true;
            p.destroy();
            p.waitFor();
          }
        }
      }
      if (!stopped) {
        wall = (System.nanoTime() - start) / 1e9;
      }
      return new Measured(p.exitValue(), wall, cpuTicks / TICKS_PER_SECOND, peak,
          Files.readString(log, StandardCharsets.UTF_8), stopped);
    }

    /** utime + stime of /proc/PID/stat (fields 14 and 15, counted after the command's ")"). */
    private static long cpuTicks(Path stat) {
      try {
        String line = Files.readString(stat);
        String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
      } catch (IOException | RuntimeException e) {
        return 0; // the process has just exited
      }
    }

    private static long vmHwmKb(Path status) {
      try {
        for (String line : Files.readAllLines(status)) {
          if (line.startsWith("VmHWM:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException | RuntimeException e) {
        // the process has just exited
      }
      return 0;
    }
  }

  static String profile(String runner) {
    Runner r = Runner.named(runner);
    if (r == Runner.OTHER) {
      throw new IllegalArgumentException("--runners: DirectRunner, FlinkRunner or SparkRunner, got " + runner);
    }
    return r.profile();
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The profile's defaults, except those {@code jobArgs} set, then {@code jobArgs}. */
  static List<String> withJobArgs(List<String> defaults, List<String> jobArgs) {
    List<String> all = new ArrayList<>();
    for (String d : defaults) {
      String name = d.contains("=") ? d.substring(0, d.indexOf('=') + 1) : d;
      if (jobArgs.stream().noneMatch(a -> a.startsWith(name))) {
        all.add(d);
      }
    }
    all.addAll(jobArgs);
    return all;
  }

  /** A runner profile's JVM flags for a job run in a JVM of its own, as scripts/aggregator runs it. */
  static List<String> localJvmFlags(Map<String, String> conf) {
    List<String> flags = new ArrayList<>(words(conf.get("JVM_FLAGS")));
    flags.addAll(words(conf.get("LOCAL_HEAP")));
    return flags;
  }

  static List<String> words(String s) {
    return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
  }

  static String tail(String s) {
    return s.substring(Math.max(0, s.length() - 3000));
  }

  /** {@code --name=value} arguments. */
  static Map<String, String> options(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    for (String a : args) {
      if (!a.startsWith("--") || !a.contains("=")) {
        throw new IllegalArgumentException("options are --name=value, got " + a);
      }
      o.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
    }
    return o;
  }
}
