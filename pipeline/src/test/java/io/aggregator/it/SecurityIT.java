package io.aggregator.it;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import io.aggregator.generator.EventGenerator;
import io.aggregator.generator.Interaction;
import io.aggregator.runners.Runner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.bson.Document;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Production connections and secrets (README, "Security") on this build's runner: a broker that
 * takes clients over SASL_SSL only on the job's listener, a MongoDB-wire server that speaks TLS
 * only, and every secret given through a file or the environment. The documents must be exact, and
 * no secret may appear on a command line, in the job's output or in its checkpoints.
 */
public class SecurityIT {

  static final String DATABASE = "it";
  static final String TOPIC = "secure";

  static SecretFixture secrets;
  static Servers servers;
  static List<Interaction> events;

  @BeforeClass
  public static void startServers() throws Exception {
    secrets = SecretFixture.create();
    servers = Servers.startWithSaslSslAndTls(secrets);
    events = PartitionsIT.everySecond(TestData.T0, TestData.T0 + 10 * PartitionsIT.MINUTE);
    servers.kafka.createTopic(TOPIC, 2);
    // The test's own producer uses the broker's plain listener; only the job goes through SASL_SSL.
    try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(servers.kafka.bootstrapServers())) {
      EventGenerator.send(producer, TOPIC, PartitionsIT.json(events), i -> i % 2);
    }
  }

  @AfterClass
  public static void stopServers() {
    if (servers != null) {
      servers.close();
    }
  }

  /** The options of an unbounded count per item over SASL_SSL (SCRAM) into a TLS MongoDB. */
  static List<String> args(Path passwordFile, String collection, Path checkpoints) throws Exception {
    List<String> args = new ArrayList<>(List.of(
        "--bootstrapServers=" + servers.kafka.saslSslBootstrapServers(),
        "--topic=" + TOPIC,
        "--sqlFile=" + ShippedFilesIT.testFile("count_per_item.sql"),
        "--jsonFieldsMap=item_id=$.item_id",
        "--batchInterval=1 second",
        "--writeMethod=update",
        "--checkpointDir=" + checkpoints));
    String storePassword = secrets.storePasswordFromEnvironment();
    args.addAll(secrets.kafkaConf("SCRAM-SHA-256", passwordFile, storePassword));
    args.addAll(secrets.writerConf(servers.mongo.uri(), DATABASE, collection, storePassword));
    args.addAll(Runners.options(Runners.current()));
    if (Runners.current() == Runner.FLINK) {
      args.add("--checkpointingInterval=1000"); // a checkpoint to look into within the test
    }
    return args;
  }

  @Test
  public void readsSaslSslAndWritesTlsWithSecretsThatShowNowhere() throws Exception {
    Path work = Files.createTempDirectory("security-it");
    Path checkpoints = work.resolve("checkpoints");
    Path log = work.resolve("job.log");
    Path passwordFile = secrets.file("kafka-password", secrets.kafkaPassword + "\n");
    long started = System.currentTimeMillis();
    Process job = ChildJob.start(args(passwordFile, "secure", checkpoints), log, secrets.environment());
    try {
      Map<String, Document> expected = PartitionsIT.countsPerItem(events);
      BackgroundJob.await("the expected documents", 180, () -> !job.isAlive()
          || Documents.difference(expected, Documents.read(servers.client, DATABASE, "secure")) == null);
      assertTrue("the job stopped:\n" + RestartsIT.tail(Files.readString(log)), job.isAlive());
      if (Runners.current() == Runner.FLINK) {
        BackgroundJob.await("a checkpoint", 60, () -> RestartsIT.flinkCheckpointAfter(checkpoints, started));
      }
      secrets.assertNoSecretIn("the command lines of this machine", SecretFixture.commandLines());
    } finally {
      ChildJob.stop(job);
    }
    String output = Files.readString(log);
    secrets.assertNoSecretIn("the job's output", output);
    assertThat("the settings line shows references", output, containsString("${file:" + passwordFile + "}"));
    int files = secrets.assertNoSecretInFiles(checkpoints);
    if (Runners.current() != Runner.DIRECT) {
      assertTrue("checkpoint files were written and read: " + files, files > 0);
    }
    assertEquals("the checkpoint directory is its owner's only", "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(checkpoints)));
  }

  /** A wrong password stops the job at start with one line that names the cause, no secret. */
  @Test
  public void wrongKafkaCredentialsStopTheJobWithOneClearLine() throws Exception {
    Path work = Files.createTempDirectory("security-it");
    String wrong = "wrong-pw-" + java.util.UUID.randomUUID();
    Path log = work.resolve("wrong.log");
    Process job = ChildJob.start(
        args(secrets.file("wrong-password", wrong), "wrong", work.resolve("checkpoints")),
        log, secrets.environment());
    int status = ChildJob.awaitExit(job, 120);
    String output = Files.readString(log);
    assertNotEquals("exit status:\n" + RestartsIT.tail(output), 0, status);
    assertThat(output, containsString("aggregator: Kafka at " + servers.kafka.saslSslBootstrapServers()
        + " refused the job's credentials"));
    assertTrue("the wrong password in:\n" + RestartsIT.tail(output), !output.contains(wrong));
    secrets.assertNoSecretIn("the job's output", output);
  }
}
