package io.aggregator.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.aggregator.Aggregator;
import io.aggregator.embedded.EmbeddedKafka;
import io.aggregator.embedded.EmbeddedMongo;
import io.aggregator.generator.EventGenerator;
import io.aggregator.events.RejectReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.bson.Document;
import org.junit.Test;

/**
 * A fuzz-style run (docs/semantics.md, "Bad input"): 20,000 valid events, their event time in every accepted form, mixed
 * with 6,000 bad messages of every kind, on two partitions. Every valid event must be counted
 * exactly once, and every bad message must be in the rejects collection under its own
 * topic/partition/offset with the reason its kind calls for. The expectations come from how each
 * message was made, not from the parser.
 */
public class BadInputIT {

  static final String TOPIC = "fuzz";
  static final int VALID = 20_000;
  static final int BAD = 6_000;
  static final long T0 = Instant.parse("2024-10-28T12:00:00Z").toEpochMilli();

  /** A message, the partition it goes to, and what it must become (null: a valid event). */
  record Message(byte[] bytes, int partition, RejectReason reason, String item, long qty) {}

  static String timestamp(Random r, long t) {
    Instant i = Instant.ofEpochMilli(t);
    switch (r.nextInt(6)) {
      case 0:
        return "\"" + i + "\"";
      case 1:
        return "\"" + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC).format(i) + "\"";
      case 2:
        return "\"" + DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx").withZone(ZoneOffset.ofHours(2)).format(i) + "\"";
      case 3:
        return "\"" + DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx").withZone(ZoneOffset.ofHours(-5)).format(i) + "\"";
      case 4:
        return Long.toString(t); // epoch milliseconds
      default:
        return "\"" + DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneOffset.UTC).format(i) + "\"";
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static Message bad(Random r, int kind, int partition) {
    String ts = "\"timestamp\": \"2024-10-28T12:00:00Z\"";
    String valid = "{\"item_id\": \"i-1\", \"qty\": 3, " + ts + "}";
    switch (kind) {
      case 0: // truncated JSON
        return new Message(utf8(valid.substring(0, 1 + r.nextInt(valid.length() - 2))), partition,
            RejectReason.MALFORMED_JSON, null, 0);
      case 1: // not JSON at all, or not an object
        String[] junk = {"not json", "{]", "[1, 2]", "\"a string\"", "42", "{\"a\": 1} {\"b\": 2}", "null"};
        return new Message(utf8(junk[r.nextInt(junk.length)]), partition, RejectReason.MALFORMED_JSON, null, 0);
      case 2: // invalid UTF-8 inside a string: a bad continuation, overlong forms (C0 AF is an
        // overlong '/'), an encoded surrogate, a truncated sequence
        int[][] forms = {{0xC3, 0x28}, {0xC0, 0xAF}, {0xE0, 0x80}, {0xED, 0xA0}, {0xE2, 0x82}};
        int[] form = forms[r.nextInt(forms.length)];
        byte[] b = utf8("{\"item_id\": \"i-XX\", \"qty\": 3, " + ts + "}");
        int at = new String(b, StandardCharsets.UTF_8).indexOf("XX");
        b[at] = (byte) form[0];
        b[at + 1] = (byte) form[1];
        return new Message(b, partition, RejectReason.MALFORMED_JSON, null, 0);
      case 3: // wrong types, a huge number among them
        String[] wrong = {"\"twelve\"", "1.5", "true", "[1]", "{\"n\": 1}", "9".repeat(5_000)};
        return new Message(utf8("{\"item_id\": \"i-1\", \"qty\": " + wrong[r.nextInt(wrong.length)] + ", " + ts + "}"),
            partition, RejectReason.TYPE_MISMATCH, null, 0);
      case 4: // empty message
        return new Message(new byte[0], partition, RejectReason.EMPTY_MESSAGE, null, 0);
      case 5: // missing, null or blank timestamp
        String[] missing = {"{\"item_id\": \"i-1\", \"qty\": 3}", "{\"item_id\": \"i-1\", \"timestamp\": null}",
            "{\"timestamp\": \"\", \"qty\": 1}", "{\"timestamp\": \"   \"}"};
        return new Message(utf8(missing[r.nextInt(missing.length)]), partition, RejectReason.MISSING_TIMESTAMP, null, 0);
      case 6: // impossible event times: far future, epoch micro- and nanoseconds for milliseconds
        String[] future = {"\"2099-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\"",
            String.valueOf(System.currentTimeMillis() * 1000),
            String.valueOf(System.currentTimeMillis() * 1_000_000)};
        return new Message(utf8("{\"item_id\": \"i-1\", \"qty\": 3, \"timestamp\": " + future[r.nextInt(future.length)] + "}"),
            partition, RejectReason.FUTURE_TIMESTAMP, null, 0);
      default: // timestamps in forms that are refused
        String[] refused = {"\"yesterday\"", "\"2024-02-30T00:00:00Z\"", "true", "\"12:00\"", "\"2024-10-28T25:00:00Z\"",
            "\"28/10/2024 12:00\"", "{\"t\": 1}"};
        return new Message(utf8("{\"item_id\": \"i-1\", \"qty\": 3, \"timestamp\": " + refused[r.nextInt(refused.length)] + "}"),
            partition, RejectReason.BAD_TIMESTAMP, null, 0);
    }
  }

  @Test
  public void everyValidEventCountsOnceAndEveryBadMessageIsRejectedWithItsReason() throws Exception {
    Random r = new Random(7);
    List<Message> messages = new ArrayList<>();
    for (int i = 0; i < VALID; i++) {
      String item = "i-" + r.nextInt(50);
      long qty = 1 + r.nextInt(9);
      long t = T0 + (long) i * 60_000L / 1000; // 20 minutes of event time, in order
      String json = "{\"item_id\": \"" + item + "\", \"qty\": " + qty + ", \"timestamp\": " + timestamp(r, t) + "}";
      messages.add(new Message(utf8(json), i % 2, null, item, qty));
    }
    for (int i = 0; i < BAD; i++) {
      messages.add(r.nextInt(messages.size() + 1), bad(r, i % 8, r.nextInt(2)));
    }
    // Offsets are positions within each partition of a new topic.
    Map<Integer, List<Message>> byPartition = new TreeMap<>();
    Map<String, RejectReason> expectedRejects = new TreeMap<>();
    Map<String, long[]> expectedCounts = new TreeMap<>();
    for (Message m : messages) {
      List<Message> part = byPartition.computeIfAbsent(m.partition(), k -> new ArrayList<>());
      if (m.reason() != null) {
        expectedRejects.put(TOPIC + "/" + m.partition() + "/" + part.size(), m.reason());
      } else {
        long[] c = expectedCounts.computeIfAbsent(m.item(), k -> new long[2]);
        c[0]++;
        c[1] += m.qty();
      }
      part.add(m);
    }
    Map<RejectReason, Integer> kinds = new HashMap<>();
    expectedRejects.values().forEach(reason -> kinds.merge(reason, 1, Integer::sum));
    // TOO_LARGE (over 1 MiB) is the one reason missing: Kafka refuses such messages by default, so
    // the parser test covers it.
    assertEquals("every other reason is in the fixture", RejectReason.values().length - 1, kinds.size());

    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        EmbeddedMongo mongo = EmbeddedMongo.start();
        MongoClient client = MongoClients.create(mongo.uri())) {
      kafka.createTopic(TOPIC, 2);
      try (KafkaProducer<byte[], byte[]> producer = EventGenerator.producer(kafka.bootstrapServers())) {
        for (Map.Entry<Integer, List<Message>> p : byPartition.entrySet()) {
          List<byte[]> values = new ArrayList<>();
          p.getValue().forEach(m -> values.add(m.bytes()));
          EventGenerator.send(producer, TOPIC, values, i -> p.getKey());
        }
      }
      List<String> args = new ArrayList<>(List.of(
          "--bootstrapServers=" + kafka.bootstrapServers(),
          "--topic=" + TOPIC,
          "--sqlFile=" + Path.of(System.getProperty("aggregator.repoRoot", ".."),
              "pipeline", "src", "test", "resources", "sql", "count_qty_per_item.sql"),
          "--jsonFieldsMap=item_id=$.item_id",
          "--jsonFieldsMap=qty:BIGINT=$.qty",
          "--writeMethod=update",
          "--batchInterval=1 second",
          "--writerConf=uri=" + mongo.uri(),
          "--writerConf=database=fuzz",
          "--writerConf=collection=per_item",
          "--readUntilLatest"));
      args.addAll(Runners.options(Runners.current()));
      assertEquals(0, Aggregator.run(args.toArray(new String[0])));

      Map<String, Document> docs = new TreeMap<>();
      client.getDatabase("fuzz").getCollection("per_item").find().forEach(d -> docs.put(d.getString("_id"), d));
      Map<String, String> actualCounts = new TreeMap<>();
      docs.forEach((id, d) -> actualCounts.put(id, d.get("interaction_count") + "/" + d.get("qty")));
      Map<String, String> wantCounts = new TreeMap<>();
      expectedCounts.forEach((item, c) -> wantCounts.put(item, c[0] + "/" + c[1]));
      assertEquals("count/sum of qty per item", wantCounts, actualCounts);

      Map<String, RejectReason> actualRejects = new TreeMap<>();
      List<String> wrong = new ArrayList<>();
      for (Document d : client.getDatabase("fuzz").getCollection("per_item_rejects").find()) {
        RejectReason reason = RejectReason.valueOf(d.getString("reason"));
        actualRejects.put(d.getString("_id"), reason);
        if (reason != expectedRejects.get(d.getString("_id")) && wrong.size() < 10) {
          wrong.add(d.getString("_id") + ": expected " + expectedRejects.get(d.getString("_id")) + ", got " + reason
              + " (" + d.getString("detail") + ") for " + d.getString("raw"));
        }
        assertNotNull(d.getString("detail"));
        assertTrue(d.containsKey("raw"));
      }
      assertEquals(expectedRejects.size(), actualRejects.size());
      assertEquals("rejected with another reason: " + wrong, List.of(), wrong);
      assertEquals(expectedRejects, actualRejects);
    }
  }
}
