package io.aggregator.it;

import static org.junit.Assert.assertFalse;

import io.aggregator.embedded.TlsFiles;
import io.aggregator.sink.MongoConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The secrets of a job that reads Kafka over SASL_SSL and writes MongoDB over TLS, kept as an
 * operator keeps them (a private directory of secret files, an environment variable), the job's
 * options that refer to them in the PySpark module's form, and the checks that no secret shows
 * anywhere: text, files, every process's command line.
 */
final class SecretFixture {

  static final String USER = "aggregator";

  /** The variable that carries the trust store's password, where the environment can be set. */
  static final String STORE_PASSWORD_VARIABLE = "AGGREGATOR_STORE_PASSWORD";

  final TlsFiles tls;
  final String kafkaPassword = "kafka-pw-" + UUID.randomUUID();
  final Path directory;

  private SecretFixture(TlsFiles tls, Path directory) {
    this.tls = tls;
    this.directory = directory;
  }

  static SecretFixture create() throws Exception {
    Path dir = Files.createTempDirectory("aggregator-secrets",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return new SecretFixture(TlsFiles.generate(), dir);
  }

  /** A file of the secrets directory holding {@code content} (a mounted secret). */
  Path file(String name, String content) throws IOException {
    return Files.writeString(directory.resolve(name), content, StandardCharsets.UTF_8);
  }

  /** The trust store's password as a reference to the environment (the launcher's own). */
  String storePasswordFromEnvironment() {
    return "${env:" + STORE_PASSWORD_VARIABLE + "}";
  }

  /**
   * The trust store's password as a reference to a property of a file (Kafka's {@code
   * ${file:PATH:KEY}}): what workers started before the job can read, unlike its environment.
   */
  String storePasswordFromFile() throws IOException {
    return "${file:" + file("stores.properties", "truststore.password=" + tls.password() + "\n")
        + ":truststore.password}";
  }

  /**
   * {@code --kafka-conf} as PySpark users write it ({@code kafka.} prefixes): SASL_SSL with {@code
   * mechanism}, the password from {@code passwordFile} (whole file), the trust store's password
   * as {@code storePassword}.
   */
  List<String> kafkaConf(String mechanism, Path passwordFile, String storePassword) {
    String module = mechanism.equals("PLAIN")
        ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    return List.of("--kafka-conf",
        "kafka.security.protocol=SASL_SSL",
        "kafka.sasl.mechanism=" + mechanism,
        "kafka.sasl.jaas.config=" + module + " required username=\"" + USER + "\" password=\"${file:"
            + passwordFile + "}\";",
        "kafka.ssl.truststore.type=PKCS12",
        "kafka.ssl.truststore.location=" + tls.trustStore(),
        "kafka.ssl.truststore.password=" + storePassword);
  }

  /**
   * {@code --writer-conf} in the PySpark module's keys, the URI from a file; with a trust store
   * when {@code storePassword} is not null (a TLS server).
   */
  List<String> writerConf(String mongoUri, String database, String collection, String storePassword)
      throws IOException {
    List<String> conf = new ArrayList<>(List.of("--writer-conf",
        "spark.mongodb.output.uri=${file:" + file("mongo-uri", mongoUri + "\n") + "}",
        "spark.mongodb.output.database=" + database,
        "spark.mongodb.output.collection=" + collection));
    if (storePassword != null) {
      conf.add(MongoConnection.TRUST_STORE + "=" + tls.trustStore());
      conf.add(MongoConnection.TRUST_STORE_PASSWORD + "=" + storePassword);
    }
    return conf;
  }

  Map<String, String> environment() {
    return Map.of(STORE_PASSWORD_VARIABLE, tls.password());
  }

  List<String> secrets() {
    return List.of(kafkaPassword, tls.password());
  }

  /** Fails when {@code text} (from {@code where}) holds a secret. */
  void assertNoSecretIn(String where, String text) {
    for (String secret : secrets()) {
      assertFalse("a secret in " + where, text.contains(secret));
    }
  }

  /** Fails when a file under {@code root} (read as bytes) holds a secret; returns how many were read. */
  int assertNoSecretInFiles(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(root)) {
      all.filter(Files::isRegularFile).forEach(files::add);
    }
    for (Path f : files) {
      assertNoSecretIn(f.toString(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
    }
    return files.size();
  }

  /** Every process's command line, as {@code ps -ef} shows them ({@code /proc/<pid>/cmdline}). */
  static String commandLines() throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        if (p.getFileName().toString().matches("\\d+")) {
          try {
            all.append(new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                .replace('\0', ' ')).append('\n');
          } catch (IOException gone) {
            // the process ended while we looked
          }
        }
      }
    }
    return all.toString();
  }
}
