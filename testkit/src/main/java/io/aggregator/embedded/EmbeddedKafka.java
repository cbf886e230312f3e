package io.aggregator.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import kafka.server.ControllerServer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import scala.Option;

/**
 * A real single-node Kafka broker (KRaft: broker and controller in one) running in this JVM on
 * free loopback ports, for the quick start and the tests. It can be stopped and started again on
 * the same port and log directory, keeping its data, as a broker restart would.
 */
public final class EmbeddedKafka implements AutoCloseable {

  /** The SASL mechanisms of the SASL_SSL listener; one user and password serves both. */
  public static final List<String> SASL_MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256");

  private final Path logDir;
  private final int port;
  private final int controllerPort;
  private final SaslSsl saslSsl;
  private KafkaRaftServer server;

  /** A second listener, SASL over TLS, as production clusters have: its port, key and user. */
  private record SaslSsl(int port, TlsFiles tls, String user, String password) {}

  private EmbeddedKafka(Path logDir, int port, int controllerPort, SaslSsl saslSsl) {
    this.logDir = logDir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.saslSsl = saslSsl;
  }

  /** Formats a fresh log directory and starts the broker (1–3 s). */
  public static EmbeddedKafka start() throws Exception {
    return start(null);
  }

  /**
   * A broker with a SASL_SSL listener besides the plain one ({@link #saslSslBootstrapServers}):
   * TLS with {@code tls}'s key, then PLAIN or SCRAM-SHA-256 as {@code user} with {@code password}.
   * The plain listener stays for the tests' own producers and admin calls.
   */
  public static EmbeddedKafka startWithSaslSsl(TlsFiles tls, String user, String password)
      throws Exception {
    EmbeddedKafka kafka = start(new SaslSsl(FreePorts.next(), tls, user, password));
    try (Admin admin = kafka.admin()) {
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
              user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), password)))
          .all().get();
    }
    return kafka;
  }

  private static EmbeddedKafka start(SaslSsl saslSsl) throws Exception {
    EmbeddedKafka kafka =
        new EmbeddedKafka(
            Files.createTempDirectory("aggregator-kafka"), FreePorts.next(), FreePorts.next(), saslSsl);
    new Formatter()
        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
        .setNodeId(1)
        .setClusterId(Uuid.randomUuid().toString())
        .setDirectories(List.of(kafka.logDir.toString()))
        .setMetadataLogDirectory(kafka.logDir.toString())
        .setControllerListenerName("CONTROLLER")
        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
        .run();
    kafka.startServer();
    return kafka;
  }

  private Properties config() {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    String secure = saslSsl == null ? "" : ",SASL_SSL://127.0.0.1:" + saslSsl.port();
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + secure + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + secure);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT");
    if (saslSsl != null) {
      p.put("sasl.enabled.mechanisms", String.join(",", SASL_MECHANISMS));
      p.put("listener.name.sasl_ssl.plain.sasl.jaas.config",
          "org.apache.kafka.common.security.plain.PlainLoginModule required user_"
              + saslSsl.user() + "=\"" + saslSsl.password() + "\";");
      p.put("listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required;");
      p.put("ssl.keystore.type", "PKCS12");
      p.put("ssl.keystore.location", saslSsl.tls().keyStore().toString());
      p.put("ssl.keystore.password", saslSsl.tls().password());
      p.put("ssl.key.password", saslSsl.tls().password());
    }
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "2");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    return p;
  }

  private void startServer() {
    server = new KafkaRaftServer(new KafkaConfig(config(), false), Time.SYSTEM);
    server.startup();
  }

  /** {@code 127.0.0.1:port}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** {@code 127.0.0.1:port} of the SASL_SSL listener. */
  public String saslSslBootstrapServers() {
    if (saslSsl == null) {
      throw new IllegalStateException("this broker was started without a SASL_SSL listener");
    }
    return "127.0.0.1:" + saslSsl.port();
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  /** Creates {@code topic} with {@code partitions} partitions and waits until it exists. */
  public void createTopic(String topic, int partitions) throws ExecutionException, InterruptedException {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
  }

  /** Grows {@code topic} to {@code total} partitions (as {@code kafka-topics --alter --partitions}). */
  public void addPartitions(String topic, int total) throws ExecutionException, InterruptedException {
    try (Admin admin = admin()) {
      admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(total))).all().get();
    }
  }

  /**
   * Deletes the records before {@code offsets.get(p)} in each partition p, as retention would:
   * afterwards the partition's earliest offset is that one.
   */
  public void deleteRecordsBefore(String topic, Map<Integer, Long> offsets)
      throws ExecutionException, InterruptedException {
    Map<TopicPartition, RecordsToDelete> deletions = new HashMap<>();
    offsets.forEach((p, o) -> deletions.put(new TopicPartition(topic, p), RecordsToDelete.beforeOffset(o)));
    try (Admin admin = admin()) {
      admin.deleteRecords(deletions).all().get();
    }
  }

  /** Stops the broker, keeping its data (for restart tests). */
  public void stop() {
    if (server != null) {
      skipSecondRegistrationChannelShutdown();
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
  }

  /**
   * Why: in combined mode Kafka 3.9 shuts the controller's registration channel down twice, once
   * when its ControllerRegistrationManager closes and again in ControllerServer.shutdown(), and
   * the second close logs "Attempting to close NetworkClient that has already been closed" at WARN
   * under the logger every Kafka client shares: the quick start ended on that warning. Forgetting
   * the server's reference first leaves the manager's own shutdown as the only one.
   */
  private void skipSecondRegistrationChannelShutdown() {
    try {
      Field field = KafkaRaftServer.class.getDeclaredField("controller");
      field.setAccessible(true);
      Option<?> controller = (Option<?>) field.get(server);
      if (controller.isDefined()) {
        for (Method m : ControllerServer.class.getMethods()) {
          if (m.getName().equals("registrationChannelManager_$eq")) {
            m.invoke(controller.get(), (Object) null);
          }
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // another Kafka version: at worst its warning stays
    }
  }

  /** Starts the broker again on the same ports and data. */
  public void restart() {
    stop();
    startServer();
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(logDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is harmless
    }
  }
}
