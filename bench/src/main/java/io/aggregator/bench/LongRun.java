package io.aggregator.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;

/** One unbounded job of {@link LongRunBenchmark}, in a process of its own, and its samples. */
final class LongRun {

  /**
   * The last line of {@code jcmd GC.class_histogram}, "Total   1234567   81920000": the bytes of
   * every object alive after the full GC the histogram runs first. Not {@code GC.heap_info} after
   * {@code GC.run}: between the two commands a busy job allocates garbage that "used" counts (a
   * DirectRunner job: 134 MB by {@code GC.heap_info}, 49 MB alive by the histogram seconds later).
   */
  static final Pattern LIVE_BYTES = Pattern.compile("Total\\s+\\d+\\s+(\\d+)");

  record Sample(String runner, String file, double seconds, double day, long events,
      long heapAfterGcMb, long rssMb) {}

  private final String runner;
  private final String file;
  private final String mongoUri;
  private final String collection;
  private final long total;
  private final double eventsPerDay;
  private final List<String> command = new ArrayList<>();
  private final Path log;

  LongRun(Path root, String runner, String file, String servers, String topic, String mongoUri,
      long total, double eventsPerDay, List<String> jobArgs, Path out) throws IOException {
    this.runner = runner;
    this.file = Path.of(file).getFileName().toString();
    this.mongoUri = mongoUri;
    this.collection = runner + "_" + this.file.replace(".sql", "");
    this.total = total;
    this.eventsPerDay = eventsPerDay;
    String profile = ThroughputBenchmark.profile(runner);
    Map<String, String> conf =
        RunnerProfile.read(root.resolve("runner-profiles").resolve(profile + ".conf"));
    command.add(ThroughputBenchmark.java());
    command.addAll(ThroughputBenchmark.localJvmFlags(conf));
    // As scripts/aggregator: AGGREGATOR_JAVA_OPTS after the profile's flags (the last -Xmx wins).
    command.addAll(ThroughputBenchmark.words(System.getenv("AGGREGATOR_JAVA_OPTS")));
    command.addAll(ThroughputBenchmark.jobJarAndArgs(
        root, runner, file, servers, topic, mongoUri, "longrun", collection));
    command.add("--checkpointDir=" + Files.createTempDirectory("longrun-"));
    command.addAll(ThroughputBenchmark.withJobArgs(
        ThroughputBenchmark.words(conf.get("RUNNER_DEFAULTS")), jobArgs));
    this.log = out.resolve("longrun-" + collection + ".log");
  }

  /** Runs the job until its documents reflect every event or {@code maxMinutes} pass. */
  List<Sample> sample(int everySeconds, int maxMinutes) throws Exception {
    List<Sample> samples = new ArrayList<>();
    long start = System.nanoTime();
    Process job = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try (MongoClient client = MongoClients.create(mongoUri)) {
      MongoCollection<Document> docs = client.getDatabase("longrun").getCollection(collection);
      long events = 0;
      while (events < total && job.isAlive()
          && System.nanoTime() - start < TimeUnit.MINUTES.toNanos(maxMinutes)) {
        job.waitFor(everySeconds, TimeUnit.SECONDS);
        if (!job.isAlive()) {
          break;
        }
        long heap = heapAfterGcKb(job.pid());
        long rss = rssKb(job.pid());
        events = ReflectedEvents.in(docs);
        Sample s = new Sample(runner, file, (System.nanoTime() - start) / 1e9,
            events / eventsPerDay, events, heap / 1024, rss / 1024);
        samples.add(s);
        System.out.printf(Locale.ROOT,
            "%-12s %-34s %6.0f s  day %5.1f  %,10d events  live heap %,6d MB  RSS %,6d MB%n",
            runner, file, s.seconds(), s.day(), s.events(), s.heapAfterGcMb(), s.rssMb());
      }
    } finally {
      job.destroy();
      if (!job.waitFor(60, TimeUnit.SECONDS)) {
        job.destroyForcibly();
      }
    }
    if (samples.isEmpty() || samples.get(samples.size() - 1).events() < total) {
      System.out.printf(Locale.ROOT, "%s %s: stopped before every event was reflected (%s)%n",
          runner, file, job.isAlive() ? "time limit" : "see " + log);
    }
    return samples;
  }

  private static long heapAfterGcKb(long pid) throws IOException, InterruptedException {
    Matcher m = LIVE_BYTES.matcher(jcmd(pid, "GC.class_histogram"));
    return m.find() ? Long.parseLong(m.group(1)) / 1024 : -1;
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }

  private static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process has just exited
    }
    return 0;
  }
}
