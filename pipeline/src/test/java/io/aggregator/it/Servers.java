package io.aggregator.it;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.generator.EventGenerator;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.apache.kafka.clients.producer.KafkaProducer;

/** A broker and a MongoDB-wire server of a test's own (it may stop them), and a client. */
final class Servers implements AutoCloseable {

  final EmbeddedKafka kafka;
  final EmbeddedMongo mongo;
  final MongoClient client;

  private Servers(EmbeddedKafka kafka, EmbeddedMongo mongo) {
    this(kafka, mongo, MongoClients.create(mongo.uri()));
  }

  private Servers(EmbeddedKafka kafka, EmbeddedMongo mongo, MongoClient client) {
    this.kafka = kafka;
    this.mongo = mongo;
    this.client = client;
  }

  static Servers start() throws Exception {
    return new Servers(EmbeddedKafka.start(), EmbeddedMongo.start());
  }

  /**
   * As {@link #startWithSaslSsl}, and a MongoDB-wire server that speaks TLS only, with a client
   * that trusts its certificate.
   */
  static Servers startWithSaslSslAndTls(SecretFixture secrets) throws Exception {
    EmbeddedMongo mongo = EmbeddedMongo.startWithTls(secrets.tls);
    SSLContext trust = secrets.tls.clientContext();
    MongoClient client = MongoClients.create(MongoClientSettings.builder()
        .applyConnectionString(new ConnectionString(mongo.uri()))
        .applyToSslSettings(s -> s.enabled(true).context(trust))
        .build());
    return new Servers(
        EmbeddedKafka.startWithSaslSsl(secrets.tls, SecretFixture.USER, secrets.kafkaPassword),
        mongo, client);
  }

  /** With a SASL_SSL listener on the broker besides the plain one, for {@code secrets}' user. */
  static Servers startWithSaslSsl(SecretFixture secrets) throws Exception {
    return new Servers(
        EmbeddedKafka.startWithSaslSsl(secrets.tls, SecretFixture.USER, secrets.kafkaPassword),
        EmbeddedMongo.start());
  }

  /** Sends {@code partitions.get(p)} to partition p of {@code topic}, in order. */
  void send(String topic, List<List<byte[]>> partitions) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(kafka.bootstrapServers())) {
      for (int p = 0; p < partitions.size(); p++) {
        int partition = p;
        EventGenerator.send(producer, topic, partitions.get(p), i -> partition);
      }
    }
  }

  long count(String database, String collection) {
    return client.getDatabase(database).getCollection(collection).countDocuments();
  }

  @Override
  public void close() {
    client.close();
    mongo.close();
    kafka.close();
  }
}
