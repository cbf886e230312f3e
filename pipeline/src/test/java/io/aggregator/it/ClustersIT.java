package io.aggregator.it;

import io.aggregator.runners.Runner;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.aggregator.generator.Interaction;
import org.bson.Document;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Jobs submitted to a real cluster the way a user submits them: this build's runner
 * ({@code -Pflink}: a Flink session cluster of one JobManager and two TaskManagers; {@code
 * -Pspark}: a Spark standalone master and two workers), each its own JVM started by
 * {@code scripts/<runner>-cluster.sh} from the runner's shaded jar, the job submitted by
 * {@code scripts/aggregator --flinkMaster=127.0.0.1:8081} (Flink's REST client) or {@code
 * scripts/submit-spark.sh} ({@code spark-submit} to {@code spark://127.0.0.1:7077}). The job reads
 * the in-process broker and writes the in-process MongoDB-wire server over loopback, with
 * parallelism 2 over both TaskManagers or workers; the collection must equal what plain Java
 * computes from the events.
 *
 * <p>Runs with the {@code clusters} profile, which needs the shaded jar ({@code package-jar}):
 * {@code mvn -B verify -Pflink,package-jar,clusters}.
 */
public class ClustersIT {

  static final String DATABASE = "it";

  static Servers servers;
  static TestData data;
  static Path logs;
  static SecretFixture secrets;

  @BeforeClass
  public static void startClusterAndServers() throws Exception {
    logs = Files.createTempDirectory("clusters-it");
    secrets = SecretFixture.create();
    servers = Servers.startWithSaslSsl(secrets);
    data = new TestData(21, 20_000, 25, 200, 40);
    servers.kafka.createTopic("cluster", TestData.PARTITIONS);
    servers.send("cluster", data.partitions);
    int status = script(clusterScript(), logs.resolve("cluster-start.log"), "start").waitFor();
    assertEquals("cluster start:\n" + Files.readString(logs.resolve("cluster-start.log")), 0, status);
  }

  @AfterClass
  public static void stopClusterAndServers() throws Exception {
    if (logs != null) {
      script(clusterScript(), logs.resolve("cluster-stop.log"), "stop").waitFor(60, TimeUnit.SECONDS);
    }
    if (servers != null) {
      servers.close();
    }
  }

  static boolean onFlink() {
    return Runners.current() == Runner.FLINK;
  }

  static String clusterScript() {
    return onFlink() ? "flink-cluster.sh" : "spark-cluster.sh";
  }

  static Path repo() {
    return Path.of(System.getProperty("aggregator.repoRoot", "..")).toAbsolutePath().normalize();
  }

  /** Runs {@code scripts/<name> args...} from the repository, its output to {@code log}. */
  static Process script(String name, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("bash", repo().resolve("scripts").resolve(name).toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(repo().toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_MASTER", "spark://127.0.0.1:7077");
    return pb.start();
  }

  /** The options of a bounded replay of {@code topic} with {@code sqlFile} into {@code collection}. */
  static List<String> replay(
      String topic, String sqlFile, String collection, String writeMethod, String... fields) {
    List<String> args = new ArrayList<>(List.of(
        "--bootstrapServers=" + servers.kafka.bootstrapServers(),
        "--topic=" + topic,
        "--sqlFile=" + repo().resolve("sql_files").resolve(sqlFile),
        "--allowLateFor=" + TestData.ALLOW_LATE_FOR,
        "--batchInterval=1 second",
        "--writeMethod=" + writeMethod,
        "--writerConf=uri=" + servers.mongo.uri(),
        "--writerConf=database=" + DATABASE,
        "--writerConf=collection=" + collection,
        "--checkpointDir=" + logs.resolve("checkpoints"),
        "--readUntilLatest"));
    for (String f : fields) {
      args.add("--jsonFieldsMap=" + f);
    }
    return args;
  }

  /** Submits the job to the cluster as a user would, its output to {@code log}. */
  static Process submit(List<String> args, Path log, String... flinkOptions) throws IOException {
    List<String> all = new ArrayList<>(args);
    if (onFlink()) {
      all.addAll(List.of("--runner=FlinkRunner", "--flinkMaster=127.0.0.1:8081", "--parallelism=2"));
      all.addAll(List.of(flinkOptions));
      return script("aggregator", log, all.toArray(new String[0]));
    }
    return script("submit-spark.sh", log, all.toArray(new String[0]));
  }

  /** Submits {@code sqlFile} as a bounded replay into {@code collection}; returns its output. */
  static String submit(String sqlFile, String collection, String writeMethod, String... fields)
      throws Exception {
    Path log = logs.resolve(collection + ".log");
    Process job = submit(replay("cluster", sqlFile, collection, writeMethod, fields), log);
    int status = ChildJob.awaitExit(job, 300);
    String output = Files.readString(log);
    assertEquals("exit status of " + sqlFile + ":\n" + RestartsIT.tail(output), 0, status);
    return output;
  }

  static Map<String, Document> documents(String collection) {
    return Documents.read(servers.client, DATABASE, collection);
  }

  @Test
  public void nestedFileOnTheCluster() throws Exception {
    submit("max_min_per_item.sql", "max_min", "update",
        "item_id=$.item_id", "interaction_type=$.interaction_type");
    Documents.assertSame(Expected.maxMinPerItem(data.all()), documents("max_min"));
  }

  /** Both workers or TaskManagers took part in the most recent job: the cluster's own record. */
  static void assertTheLastJobRanOnBothWorkers() throws Exception {
    if (onFlink()) {
      assertEquals("TaskManagers that ran the job's tasks", 2, flinkTaskManagersOfLastJob());
    } else {
      // One work directory per application, one directory per executor in it: both workers'.
      Path work = repo().resolve(".spark-cluster").resolve("work");
      try (var apps = Files.list(work)) {
        Path newest = apps.max(Comparator.comparing(Path::getFileName)).orElseThrow();
        try (var executors = Files.list(newest)) {
          assertEquals("executors of " + newest.getFileName(), 2, executors.count());
        }
      }
    }
  }

  /** The TaskManagers that ran a task of the most recent job, from the JobManager's REST API. */
  static long flinkTaskManagersOfLastJob() throws Exception {
    String jobs = rest("/jobs/overview");
    Matcher job = Pattern.compile("\"jid\":\"([0-9a-f]+)\"").matcher(jobs);
    String last = null;
    long lastStart = -1;
    Matcher start = Pattern.compile("\"start-time\":(\\d+)").matcher(jobs);
    while (job.find() && start.find()) {
      long t = Long.parseLong(start.group(1));
      if (t > lastStart) {
        lastStart = t;
        last = job.group(1);
      }
    }
    assertTrue("a job on the cluster: " + jobs, last != null);
    Set<String> taskManagers = new HashSet<>();
    Matcher vertex =
        Pattern.compile("\"id\":\"([0-9a-f]{32})\"").matcher(rest("/jobs/" + last));
    while (vertex.find()) {
      Matcher tm = Pattern.compile("\"taskmanager-id\":\"([^\"]+)\"")
          .matcher(rest("/jobs/" + last + "/vertices/" + vertex.group(1) + "/taskmanagers"));
      while (tm.find()) {
        taskManagers.add(tm.group(1));
      }
    }
    return taskManagers.size();
  }

  /** The Flink JobManager's REST answer at {@code path}. */
  static String rest(String path) throws Exception {
    return get("http://127.0.0.1:8081" + path);
  }

  /**
   * A TaskManager (Flink) or worker (Spark) killed with {@code kill -9} mid-run: Flink restarts the
   * job from its latest checkpoint on a replacement TaskManager, Spark runs the lost tasks again
   * on the other worker. Either way the documents and the end line's counters must be exact.
   */
  @Test
  public void aMachineLostMidRunLosesNothing() throws Exception {
    TestData big = new TestData(23, 100_000, 25, 200, 40);
    servers.kafka.createTopic("lost", TestData.PARTITIONS);
    servers.send("lost", big.partitions);
    List<String> args = replay("lost", "interactions_per_user_5m.sql", "lost", "update",
        "user_id=$.user_id", "interaction_type=$.interaction_type");
    Path log = logs.resolve("lost.log");
    Process job = submit(args, log, "--checkpointingInterval=1000");
    Path clusterRun;
    if (onFlink()) {
      clusterRun = repo().resolve(".flink-cluster");
      long started = System.currentTimeMillis();
      BackgroundJob.await("the first documents", 180, () -> servers.count(DATABASE, "lost") > 0);
      BackgroundJob.await("a checkpoint after the first documents", 120,
          () -> RestartsIT.flinkCheckpointAfter(logs.resolve("checkpoints"), started));
    } else {
      clusterRun = repo().resolve(".spark-cluster");
      // Both partitions' read tasks have started, one on each worker's executor.
      BackgroundJob.await("the read tasks running", 180, () -> readTasksStarted(log));
    }
    assertTrue("the job must still be running when a machine is lost:\n"
        + RestartsIT.tail(Files.readString(log)), job.isAlive());
    String victim = onFlink() ? "taskmanager-1" : "worker-1";
    long pid = Long.parseLong(Files.readString(clusterRun.resolve(victim + ".pid")).trim());
    // The machine dies: the JVM and, on Spark, its executor with it.
    ProcessHandle.of(pid).ifPresent(p -> {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    });
    if (onFlink()) {
      // A replacement joins, as a cluster manager would start one; the job restarts on it.
      assertEquals(0, script("flink-cluster.sh", logs.resolve("add-tm.log"), "add-taskmanager").waitFor());
    }
    int status = ChildJob.awaitExit(job, 300);
    if (!onFlink()) {
      // The other tests expect two workers again.
      assertEquals(0, script("spark-cluster.sh", logs.resolve("add-worker.log"), "add-worker").waitFor());
    }
    String output = Files.readString(log);
    assertEquals("exit status:\n" + RestartsIT.tail(output), 0, status);
    Documents.assertSame(Expected.countsPer(big.onTime, "user_id", e -> e.userId), documents("lost"));
    // The end line's counters count each message once across the loss (docs/semantics.md,
    // "Counters"): on Flink they came back with the checkpoint (they came back as zeros before).
    assertEquals("messages read", big.totalMessages(), RestartFixture.messagesRead(output));
    assertEquals("rejected", big.malformed, RestartFixture.endLineCount(output, "rejected"));
    assertEquals("dropped as late", big.late.size(), RestartFixture.endLineCount(output, "dropped as late"));
    if (!onFlink()) {
      // The loss met the running application (Spark's driver logs it), so tasks were run again.
      assertTrue(RestartsIT.tail(output), output.contains("Lost executor"));
    }
  }

  /** Whether Spark's driver has started both read tasks (its log, at INFO). */
  static boolean readTasksStarted(Path driverLog) {
    try {
      String out = Files.readString(driverLog);
      return out.contains("Starting task 0.0 in stage 0.0") && out.contains("Starting task 1.0 in stage 0.0");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The windowed {@code interactions_per_item_5m.sql} as an unbounded job on the cluster, reading
   * Kafka over SASL_SSL (PLAIN), its secrets in files that
   * the launcher and the workers read where they connect (README, "Security"), its two partitions
   * read in parallel on both TaskManagers or workers. While it runs, no
   * secret is on a command line of this machine or in what the cluster serves: Flink's job
   * configuration, JobManager configuration, plan and checkpoint settings, or Spark's environment
   * page (system properties included). Once stopped, none is in any log of the launcher, the
   * JobManager and TaskManagers or the driver, master, workers and executors, nor in the
   * checkpoints.
   */
  @Test
  public void secretsInFilesAppearNowhereOnTheCluster() throws Exception {
    List<Interaction> events = PartitionsIT.everySecond(TestData.T0, TestData.T0 + 10 * 60_000L);
    servers.kafka.createTopic("secrets", 2);
    List<byte[]> json = PartitionsIT.json(events);
    servers.send("secrets", List.of(json.subList(0, json.size() / 2), json.subList(json.size() / 2, json.size())));
    Path checkpoints = logs.resolve("secret-checkpoints");
    List<String> args = new ArrayList<>(List.of(
        "--bootstrapServers=" + servers.kafka.saslSslBootstrapServers(),
        "--topic=secrets",
        "--sqlFile=" + repo().resolve("sql_files").resolve("interactions_per_item_5m.sql"),
        "--jsonFieldsMap=item_id=$.item_id",
        "--jsonFieldsMap=interaction_type=$.interaction_type",
        "--batchInterval=1 second",
        "--writeMethod=update",
        "--checkpointDir=" + checkpoints));
    args.addAll(secrets.kafkaConf("PLAIN",
        secrets.file("kafka-password", secrets.kafkaPassword + "\n"), secrets.storePasswordFromFile()));
    args.addAll(secrets.writerConf(servers.mongo.uri(), DATABASE, "secrets", null));
    // Every event is on time and the topic holds them all: each window's early panes reach its
    // full count while the job runs (update), before any window closes.
    Map<String, Document> expected = Expected.countsPer(events, "item_id", e -> e.itemId);
    Path log = logs.resolve("secrets.log");
    long started = System.currentTimeMillis();
    Process job = submit(args, log, "--checkpointingInterval=1000");
    String served;
    try {
      BackgroundJob.await("the expected documents", 240, () -> !job.isAlive()
          || Documents.difference(expected, documents("secrets")) == null);
      assertTrue("the job stopped:\n" + RestartsIT.tail(Files.readString(log)), job.isAlive());
      assertTheLastJobRanOnBothWorkers();
      secrets.assertNoSecretIn("the command lines of this machine", SecretFixture.commandLines());
      served = onFlink() ? flinkServes(checkpoints, started) : sparkServes(log);
    } finally {
      ChildJob.stop(job);
    }
    secrets.assertNoSecretIn("what the cluster serves", served);
    if (onFlink()) {
      BackgroundJob.await("no job running on the cluster", 60, () -> !restOrEmpty("/jobs/overview").contains("\"RUNNING\""));
    }
    int files = secrets.assertNoSecretInFiles(repo().resolve(onFlink() ? ".flink-cluster" : ".spark-cluster"))
        + secrets.assertNoSecretInFiles(logs);
    assertTrue("logs and checkpoints read: " + files, files > 5);
  }

  /** Flink's REST answers about the running job, once it has checkpointed. */
  static String flinkServes(Path checkpoints, long started) throws Exception {
    BackgroundJob.await("a checkpoint", 120, () -> RestartsIT.flinkCheckpointAfter(checkpoints, started));
    String id = null;
    for (String job : rest("/jobs/overview").split("\\{\"jid\":\"")) {
      if (job.contains("\"state\":\"RUNNING\"")) {
        id = job.substring(0, job.indexOf('"'));
      }
    }
    assertTrue("a running job: " + rest("/jobs/overview"), id != null);
    StringBuilder all = new StringBuilder();
    for (String path : List.of("/jobs/" + id + "/config", "/jobmanager/config", "/jobs/" + id + "/plan",
        "/jobs/" + id, "/jobs/" + id + "/checkpoints/config", "/jobmanager/environment")) {
      String answer = rest(path);
      assertTrue(path + " answered: " + answer, answer.startsWith("{") || answer.startsWith("["));
      all.append(path).append(' ').append(answer).append('\n');
    }
    assertTrue("the job's configuration is shown", all.toString().contains("user-config"));
    return all.toString();
  }

  /** The Spark driver UI's environment page (properties, system properties, class path). */
  static String sparkServes(Path driverLog) throws Exception {
    Matcher port = Pattern.compile("Successfully started service 'SparkUI' on port (\\d+)")
        .matcher(Files.readString(driverLog));
    assertTrue("the driver's UI started", port.find());
    String ui = "http://127.0.0.1:" + port.group(1) + "/api/v1/applications";
    Matcher app = Pattern.compile("\"id\" ?: ?\"([^\"]+)\"").matcher(get(ui));
    assertTrue("an application at " + ui, app.find());
    String environment = get(ui + "/" + app.group(1) + "/environment");
    assertTrue("the environment page: " + environment, environment.contains("sun.java.command"));
    return environment;
  }

  static String get(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static String restOrEmpty(String path) {
    try {
      return rest(path);
    } catch (Exception e) {
      return "";
    }
  }
}
