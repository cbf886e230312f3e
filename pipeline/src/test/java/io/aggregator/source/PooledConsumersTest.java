package io.aggregator.source;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.aggregator.source.PooledConsumers.PooledConsumer;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.Test;

/** The pool behind KafkaIO's consumer factory (no broker: a consumer connects on first use). */
public class PooledConsumersTest {

  /** Settings of this test alone: the pool is shared by the whole JVM. */
  static Map<String, Object> config() {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "pool-test-" + UUID.randomUUID());
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return c;
  }

  @Test
  public void aClosedConsumerServesTheNextUserOfTheSameSettings() {
    Map<String, Object> config = config();
    long now = System.currentTimeMillis();
    PooledConsumer first = PooledConsumers.acquire(config, now);
    PooledConsumer second = PooledConsumers.acquire(config, now);
    assertNotSame("a consumer in use is never handed out twice", first, second);
    first.close();
    assertSame(first, PooledConsumers.acquire(config, now));
    assertNotSame("other settings get their own", first, PooledConsumers.acquire(config(), now));
    first.close();
    second.close();
  }

  @Test
  public void closedTwiceItIsInThePoolOnce() {
    Map<String, Object> config = config();
    long now = System.currentTimeMillis();
    PooledConsumer c = PooledConsumers.acquire(config, now);
    c.close();
    c.close();
    assertSame(c, PooledConsumers.acquire(config, now));
    assertNotSame(c, PooledConsumers.acquire(config, now));
  }

  @Test
  public void aConsumerIdleForLongerThanTheLimitIsClosedForReal() {
    Map<String, Object> config = config();
    PooledConsumer c = PooledConsumers.acquire(config, System.currentTimeMillis());
    c.close();
    assertFalse(c.isClosed());
    PooledConsumer later =
        PooledConsumers.acquire(config, System.currentTimeMillis() + PooledConsumers.IDLE_MILLIS + 1_000);
    assertNotSame(c, later);
    assertTrue("an expired consumer is closed, not left open", c.isClosed());
  }
}
