package io.aggregator.generator;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The quick start's event generator against an existing Kafka (docker-compose's {@code generator}
 * service): creates the topic if missing, then sends events until stopped.
 *
 * <p>{@code --bootstrapServers=kafka:9092 --topic=user.interactions --partitions=2 --rate=500
 * --users=100 --items=20 --types=5 --outOfOrder=0.05}
 */
public final class GenerateEvents {

  private GenerateEvents() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0) {
        System.err.println("generate-events: options are --name=value, not '" + a + "'");
        System.exit(2);
      }
      o.put(a.substring(2, eq), a.substring(eq + 1));
    }
    String servers = o.getOrDefault("bootstrapServers", "localhost:9092");
    String topic = o.getOrDefault("topic", EventGenerator.DEFAULT_TOPIC);
    int partitions = Integer.parseInt(o.getOrDefault("partitions", "2"));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
      admin.createTopics(java.util.List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
    EventGenerator generator = EventGenerator.fromOptions(o);
    int rate = Integer.parseInt(o.getOrDefault("rate", "500"));
    System.out.printf("generate-events: %d events/s to %s on %s%n", rate, topic, servers);
    generator.produceAtRate(servers, topic, partitions, rate, new AtomicBoolean(true), new AtomicLong());
  }
}
