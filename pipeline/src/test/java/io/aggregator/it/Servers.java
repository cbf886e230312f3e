package io.aggregator.it;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.generator.EventGenerator;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;

/** A broker and a MongoDB-wire server of a test's own (it may stop them), and a client. */
final class Servers implements AutoCloseable {

  final EmbeddedKafka kafka;
  final EmbeddedMongo mongo;
  final MongoClient client;

  private Servers(EmbeddedKafka kafka, EmbeddedMongo mongo) {
    this.kafka = kafka;
    this.mongo = mongo;
    this.client = MongoClients.create(mongo.uri());
  }

  static Servers start() throws Exception {
    return new Servers(EmbeddedKafka.start(), EmbeddedMongo.start());
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
