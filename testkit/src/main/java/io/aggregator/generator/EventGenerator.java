package io.aggregator.generator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Generates user-interaction events: users {@code u-0..}, items {@code i-0..}, interaction types
 * from a fixed list, a share of them out of order (event time pushed back by up to a given delay).
 * Seeded, so a test, the quick start and the benchmark can regenerate exactly the same events.
 */
public final class EventGenerator {

  /** The interaction types, in the order their count is taken from. */
  /** The topic the quick start and the compose stack use. */
  public static final String DEFAULT_TOPIC = "user.interactions";

  public static final List<String> TYPES = List.of("click", "view", "like", "share", "purchase");

  private final Random random;
  private final int users;
  private final int items;
  private final int types;
  private final double outOfOrderShare;
  private final long maxDisorderMillis;

  /**
   * @param outOfOrderShare share of events (0..1) whose event time is pushed back
   * @param maxDisorderMillis how far back at most
   */
  public EventGenerator(
      long seed, int users, int items, int types, double outOfOrderShare, long maxDisorderMillis) {
    if (types < 1 || types > TYPES.size()) {
      throw new IllegalArgumentException("types must be 1.." + TYPES.size());
    }
    this.random = new Random(seed);
    this.users = users;
    this.items = items;
    this.types = types;
    this.outOfOrderShare = outOfOrderShare;
    this.maxDisorderMillis = maxDisorderMillis;
  }

  /**
   * A generator seeded from the clock, shaped by the quick start's options ({@code users}, {@code
   * items}, {@code types}, {@code outOfOrder}, as in {@code --users=100}), with defaults.
   */
  public static EventGenerator fromOptions(java.util.Map<String, String> options) {
    return new EventGenerator(
        System.nanoTime(),
        Integer.parseInt(options.getOrDefault("users", "100")),
        Integer.parseInt(options.getOrDefault("items", "20")),
        Integer.parseInt(options.getOrDefault("types", "5")),
        Double.parseDouble(options.getOrDefault("outOfOrder", "0.05")),
        60_000L);
  }

  /** One event whose nominal event time is {@code eventTimeMillis} (before any disorder). */
  public Interaction next(long eventTimeMillis) {
    long t = eventTimeMillis;
    if (random.nextDouble() < outOfOrderShare) {
      t -= 1 + (long) (random.nextDouble() * maxDisorderMillis);
    }
    return new Interaction(
        "u-" + random.nextInt(users),
        "i-" + random.nextInt(items),
        TYPES.get(random.nextInt(types)),
        t);
  }

  /** {@code count} events spread evenly over [startMillis, startMillis + spanMillis). */
  public List<Interaction> batch(int count, long startMillis, long spanMillis) {
    List<Interaction> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      events.add(next(startMillis + (long) ((double) i * spanMillis / count)));
    }
    return events;
  }

  /**
   * A producer of raw byte values, idempotent so a retry never duplicates a message, with one
   * request in flight so a retry never reorders or loses one either.
   *
   * <p>Why one: these producers write to topics created a moment before. A KRaft broker answers
   * metadata for a new partition before its replica manager leads it, so the first produce request
   * can fail with NOT_LEADER_OR_FOLLOWER while the next ones, already in flight, are appended. A
   * broker that holds no state for the producer accepts any first sequence number, so the retried
   * first batch (sequence 0) is then refused as out of order until the delivery timeout: seen as
   * "Expiring 2218 record(s) for lost-0" in ClustersIT, and reported as KAFKA-15591 (fixed in the
   * broker by apache/kafka#23234, after the 3.9 we run). With one request in flight, nothing is
   * sent past a batch that has not been acknowledged; the batches are large, so loading stays fast.
   */
  public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
            ProducerConfig.LINGER_MS_CONFIG, 5,
            ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  /**
   * Sends each value to the given partition, in order, and waits until all are acknowledged.
   *
   * @param partitionOf the partition of the i-th value
   */
  public static void send(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      List<byte[]> values,
      java.util.function.IntUnaryOperator partitionOf)
      throws Exception {
    List<Future<RecordMetadata>> sent = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      sent.add(producer.send(new ProducerRecord<>(topic, partitionOf.applyAsInt(i), null, values.get(i))));
    }
    producer.flush();
    for (Future<RecordMetadata> f : sent) {
      f.get();
    }
  }

  /** Sends {@code rate} events/s to {@code topic}, round-robin over its partitions, until stopped. */
  public void produceAtRate(String servers, String topic, int partitions, int rate,
      AtomicBoolean producing, AtomicLong produced) {
    try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(servers)) {
      long start = System.nanoTime();
      long sent = 0;
      while (producing.get()) {
        long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
        while (sent < due && producing.get()) {
          Interaction e = next(System.currentTimeMillis());
          producer.send(new ProducerRecord<>(topic, (int) (sent % partitions), null, e.toJsonBytes()));
          sent++;
        }
        producer.flush();
        produced.set(sent);
        Thread.sleep(20); // pacing the generator to its rate
      }
      producer.flush();
      produced.set(sent);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
