package io.aggregator.source;

import io.aggregator.options.SecretReferences;
import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The job's Kafka client settings, built in this one place for every client the job opens:
 * KafkaIO's readers, the replay source's consumers, the topic snapshot taken at start and the
 * launcher's reachability checks. The user's {@code --kafkaConf} goes over ours, so its security
 * settings (SASL, TLS) reach every client.
 *
 * <p>Secrets given by reference ({@code ${file:...}}, {@code ${env:...}}) stay references here, in
 * KafkaIO's settings and in the serialised job; they are read when a client is made, in the
 * process that makes it ({@link #resolved}, {@link NewConsumerFn}).
 *
 * <p>Offsets are not committed: on the DirectRunner a restart keeps no state, so it must re-read
 * from the start to rebuild its windows (idempotent upserts make that safe); Flink resumes from
 * its checkpoints, which hold the offsets together with the windows they produced
 * (docs/semantics.md, "Restarts").
 */
public final class ConsumerSettings implements Serializable {

  private final String bootstrapServers;
  private final HashMap<String, Object> config;

  private ConsumerSettings(String bootstrapServers, Map<String, Object> config) {
    this.bootstrapServers = bootstrapServers;
    this.config = new HashMap<>(config);
  }

  /**
   * @param defaultGroupId the consumer group unless {@code kafkaConf} names one
   * @param kafkaConf the user's consumer properties, PySpark aliases already translated
   */
  public static ConsumerSettings of(
      String bootstrapServers, String defaultGroupId, Map<String, String> kafkaConf) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(ConsumerConfig.GROUP_ID_CONFIG, defaultGroupId);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.putAll(kafkaConf);
    return new ConsumerSettings(bootstrapServers, config);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The consumer group the job's readers join. */
  public String groupId() {
    return String.valueOf(config.get(ConsumerConfig.GROUP_ID_CONFIG));
  }

  /**
   * The updates KafkaIO applies over its own defaults (it sets the servers and deserializers),
   * secrets still as references: KafkaIO's consumer factory must be {@link NewConsumerFn} or
   * {@link PooledConsumers}, which read them.
   */
  public Map<String, Object> kafkaIoUpdates() {
    return new HashMap<>(config);
  }

  /** A complete configuration for a plain consumer of raw bytes. */
  public Map<String, Object> byteConsumer() {
    Map<String, Object> props = resolved(config);
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return props;
  }

  /** The settings an admin client understands (security included), with the servers. */
  public Map<String, Object> adminClient() {
    Map<String, Object> props = new HashMap<>();
    resolved(config).forEach((k, v) -> {
      if (AdminClientConfig.configNames().contains(k)) {
        props.put(k, v);
      }
    });
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return props;
  }

  /** {@code config} with its secret references read, for a client made in this process. */
  public static Map<String, Object> resolved(Map<String, Object> config) {
    return new HashMap<>(SecretReferences.resolveAll(config));
  }

  /** KafkaIO's consumer factory: a plain consumer, its secret references read where it runs. */
  public static final class NewConsumerFn
      implements SerializableFunction<Map<String, Object>, Consumer<byte[], byte[]>> {
    @Override
    public Consumer<byte[], byte[]> apply(Map<String, Object> config) {
      return new KafkaConsumer<>(resolved(config));
    }
  }
}
