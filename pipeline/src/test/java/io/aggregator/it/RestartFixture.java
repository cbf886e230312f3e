package io.aggregator.it;

import io.aggregator.runners.Runner;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.After;
import org.junit.Before;

/**
 * What the restart suites share (docs/semantics.md, "Restarts"): in-process servers and a
 * checkpoint directory per test, the job's arguments on this build's runner, running a job in a
 * process of its own until its documents are exact, and finding the runner's checkpoints.
 */
public abstract class RestartFixture {

  static final String FILE = "interactions_per_user_5m.sql";
  static final String DATABASE = "it";
  static final Pattern MESSAGES_READ = Pattern.compile("after [0-9.]+ s: (\\d+) messages read");
  static final String RESUMING = "Resuming from the latest checkpoint of this query";

  Servers servers;
  Path checkpoints;

  @Before
  public void startServers() throws Exception {
    servers = Servers.start();
    checkpoints = Files.createTempDirectory("aggregator-checkpoints");
  }

  @After
  public void stopServers() throws IOException {
    servers.close();
    try (Stream<Path> files = Files.walk(checkpoints)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static boolean onFlink() {
    return Runners.current() == Runner.FLINK;
  }

  /** Whether an unbounded job resumes from its checkpoint (every runner but Direct). */
  static boolean unboundedResumes() {
    return Runners.current() != Runner.DIRECT;
  }

  List<String> args(String topic, Path sqlFile, String collection, boolean bounded) {
    List<String> args = JobArgs.of(servers.kafka.bootstrapServers(), topic, sqlFile,
        servers.mongo.uri(), DATABASE, collection, "user_id=$.user_id",
        "interaction_type=$.interaction_type");
    args.add("--checkpointDir=" + checkpoints);
    if (bounded) {
      args.add("--readUntilLatest");
    }
    if (onFlink()) {
      args.add("--checkpointingInterval=500");
    }
    return args;
  }

  /** A completed Flink checkpoint anywhere under the checkpoint directory. */
  boolean checkpointCompleted() {
    return checkpointCompletedAfter(0);
  }

  /** A checkpoint completed after {@code millis} (epoch), so holding what was read by then. */
  boolean checkpointCompletedAfter(long millis) {
    return onFlink() ? flinkCheckpointAfter(checkpoints, millis) : sparkCheckpointAfter(checkpoints, millis);
  }

  /** A Spark Streaming checkpoint under {@code directory} written after {@code millis} (epoch). */
  static boolean sparkCheckpointAfter(Path directory, long millis) {
    return fileAfter(directory, millis, p -> p.getFileName().toString().startsWith("checkpoint-")
        && p.getParent().getFileName().toString().equals("spark-checkpoint"));
  }

  /** A Flink checkpoint under {@code directory} completed after {@code millis} (epoch). */
  static boolean flinkCheckpointAfter(Path directory, long millis) {
    return fileAfter(directory, millis, p -> p.getFileName().toString().equals("_metadata")
        && p.getParent().getFileName().toString().startsWith("chk-"));
  }

  private static boolean fileAfter(Path directory, long millis, Predicate<Path> which) {
    try (Stream<Path> files = Files.find(directory, 5,
        (p, a) -> which.test(p) && a.lastModifiedTime().toMillis() > millis)) {
      return files.findAny().isPresent();
    } catch (IOException | UncheckedIOException e) {
      // The runner renames and deletes temporary files while it writes a checkpoint: a file seen
      // when the walk listed its directory may be gone when it is read. Not yet; look again.
      return false;
    }
  }

  long documentCount(String collection) {
    return servers.count(DATABASE, collection);
  }

  static long messagesRead(String output) {
    Matcher m = MESSAGES_READ.matcher(output);
    assertTrue("the end-of-run line in:\n" + tail(output), m.find());
    return Long.parseLong(m.group(1));
  }

  /** A count the end-of-run line gives before {@code label}: {@code endLineCount(out, "rejected")}. */
  static long endLineCount(String output, String label) {
    Matcher line = Pattern.compile("after [0-9.]+ s: .*").matcher(output);
    assertTrue("the end-of-run line in:\n" + tail(output), line.find());
    Matcher m = Pattern.compile("(\\d+) " + Pattern.quote(label)).matcher(line.group());
    assertTrue("'" + label + "' in " + line.group(), m.find());
    return Long.parseLong(m.group(1));
  }

  /** The end-of-run line of {@code output}, or "none" (a stop that timed out prints none). */
  static String endLine(String output) {
    Matcher m = MESSAGES_READ.matcher(output);
    return m.find() ? m.group() : "none";
  }

  static String tail(String s) {
    return s.substring(Math.max(0, s.length() - 4000));
  }

  /**
   * Runs an unbounded job in a process of its own until {@code collection} holds exactly {@code
   * expected}, then stops it as Ctrl-C would; returns its output.
   */
  String runUntilDocuments(List<String> args, String logName, String collection,
      Map<String, Document> expected) throws Exception {
    return runUntilDocuments(args, logName, collection, expected, false);
  }

  /**
   * As above; with {@code checkpointed}, also until a checkpoint holds what was read (on the
   * runners that resume). Prints how long the documents took, the restart figures of the README.
   */
  String runUntilDocuments(List<String> args, String logName, String collection,
      Map<String, Document> expected, boolean checkpointed) throws Exception {
    Path log = checkpoints.resolve(logName);
    long started = System.currentTimeMillis();
    Process job = ChildJob.start(args, log);
    try {
      awaitDocuments(collection, expected);
      long exact = System.currentTimeMillis();
      if (checkpointed && unboundedResumes()) {
        BackgroundJob.await("a checkpoint after the documents", 120, () -> checkpointCompletedAfter(exact));
      }
      System.out.printf("%s on %s: exact documents %.1f s after the process started%n",
          logName, Runners.current(), (exact - started) / 1000.0);
    } finally {
      ChildJob.stop(job);
    }
    return Files.readString(log);
  }

  /** Waits until {@code collection} holds exactly {@code expected}; fails with the difference. */
  void awaitDocuments(String collection, Map<String, Document> expected) throws InterruptedException {
    Documents.awaitSame("the expected documents in " + collection, 180, expected,
        () -> Documents.read(servers.client, DATABASE, collection));
  }
}
