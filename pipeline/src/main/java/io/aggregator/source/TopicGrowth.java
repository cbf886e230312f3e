package io.aggregator.source;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.joda.time.Duration;

/**
 * Watches, from the launcher, whether partitions have been added to the topic since the job
 * started, for the reads that cannot find them while running (docs/semantics.md, "Partitions").
 *
 * <p>Why the launcher: on Flink and Spark the job reads through KafkaIO's classic source, whose
 * partition list is fixed when the job starts. The launcher asks the topic every {@code
 * --partitionDiscoveryInterval} and restarts the job when it has grown, which then reads the new
 * partitions from their first offset.
 */
public final class TopicGrowth implements AutoCloseable {

  private static final long TIMEOUT_MILLIS = 2_000L;

  private final Admin admin;
  private final String topic;
  private final int partitionsAtStart;
  private final long intervalMillis;
  private long lastCheckMillis;
  private int partitionsNow;

  /**
   * @param partitionsAtStart how many partitions the job reads
   * @param interval how often the topic is asked ({@code --partitionDiscoveryInterval})
   */
  public TopicGrowth(
      ConsumerSettings consumer, String topic, int partitionsAtStart, Duration interval) {
    Map<String, Object> config = consumer.adminClient();
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MILLIS);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MILLIS);
    this.admin = Admin.create(config);
    this.topic = topic;
    this.partitionsAtStart = partitionsAtStart;
    this.partitionsNow = partitionsAtStart;
    this.intervalMillis = interval.getMillis();
    this.lastCheckMillis = System.currentTimeMillis();
  }

  /**
   * Whether the topic has more partitions than the job reads; asks it at most once per interval.
   * An unreachable broker is not growth (KafkaReachability watches for that).
   */
  public boolean grew(long nowMillis) {
    if (nowMillis - lastCheckMillis < intervalMillis) {
      return false;
    }
    lastCheckMillis = nowMillis;
    try {
      TopicDescription d =
          admin
              .describeTopics(List.of(topic))
              .topicNameValues()
              .get(topic)
              .get(TIMEOUT_MILLIS + 1_000, TimeUnit.MILLISECONDS);
      partitionsNow = d.partitions().size();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      return false;
    }
    return partitionsNow > partitionsAtStart;
  }

  /** One line for the log: what grew. */
  public String describe() {
    return String.format(
        "topic %s has grown from %d to %d partitions", topic, partitionsAtStart, partitionsNow);
  }

  @Override
  public void close() {
    admin.close(java.time.Duration.ofSeconds(2));
  }
}
