package io.aggregator.source;

import io.aggregator.options.Secrets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Watches, from the launcher, whether the Kafka cluster answers, and for how long it has not.
 *
 * <p>Why the launcher watches: KafkaIO's consumers never fail while the brokers are down; they
 * poll, get nothing and poll again, so a job whose Kafka is gone for good would wait forever
 * looking healthy. The launcher asks the cluster for its nodes at every progress tick and stops the
 * job when it has not answered for the retry budget ({@code --retryBudget}). Nothing is lost by
 * waiting: the consumers resume from the offsets they had reached when the brokers come back.
 */
public final class KafkaReachability implements AutoCloseable {

  /** How long one check waits for an answer. */
  static final long CHECK_TIMEOUT_MILLIS = 2_000L;

  private final String bootstrapServers;
  private final Admin admin;
  private @Nullable Long unreachableSince;
  private @Nullable String lastError;

  /** The job's own security settings (SASL, TLS) apply to the checks too. */
  public KafkaReachability(ConsumerSettings consumer) {
    this.bootstrapServers = consumer.bootstrapServers();
    Map<String, Object> config = consumer.adminClient();
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CHECK_TIMEOUT_MILLIS);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CHECK_TIMEOUT_MILLIS);
    this.admin = Admin.create(config);
  }

  /**
   * Asks the cluster for its nodes; returns for how long, in milliseconds, it has not answered
   * (0 when it answers now).
   */
  public long check(long nowMillis) {
    try {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs((int) CHECK_TIMEOUT_MILLIS))
          .nodes()
          .get(CHECK_TIMEOUT_MILLIS + 1_000, TimeUnit.MILLISECONDS);
      unreachableSince = null;
      lastError = null;
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (Exception e) {
      if (unreachableSince == null) {
        unreachableSince = nowMillis;
      }
      Throwable cause = e.getCause() == null ? e : e.getCause();
      lastError = cause.getClass().getSimpleName() + ": " + Secrets.mask(cause.getMessage());
      return nowMillis - unreachableSince;
    }
  }

  /** The message of the job's failure once the budget is spent. */
  public String givingUp(long unreachableMillis) {
    return String.format(
        "Kafka at %s has not answered for %d s (--retryBudget), stopping the job; last error: %s",
        bootstrapServers, unreachableMillis / 1000, lastError);
  }

  @Override
  public void close() {
    admin.close(java.time.Duration.ofSeconds(2));
  }
}
