package io.aggregator.it;

import io.aggregator.generator.EventGenerator;
import io.aggregator.generator.Interaction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The events of the integration tests: on-time events over several 5-minute windows, some out of
 * order within the late-data threshold, plus events far beyond it ("clearly late") and a few
 * malformed messages, spread over two partitions. Which events are late is known by construction,
 * so the expected results are computed from the on-time ones alone.
 */
final class TestData {

  /** Start of the events' event time, on a 5-minute boundary. */
  static final long T0 = Instant.parse("2024-10-28T12:00:00Z").toEpochMilli();
  static final int PARTITIONS = 2;
  /** The job's --allowLateFor in these tests. */
  static final String ALLOW_LATE_FOR = "10 minutes";
  /** How far back an out-of-order event may be: well within the threshold. */
  static final long MAX_DISORDER_MILLIS = 3 * 60_000L;
  /** Late events are an hour older than T0: their window closed long before they are read. */
  static final long LATE_OFFSET_MILLIS = 60 * 60_000L;

  final List<Interaction> onTime;
  final List<Interaction> late;
  final int malformed;
  /** Per partition, in order: the messages as sent. */
  final List<List<byte[]>> partitions = new ArrayList<>();
  /** The on-time event each on-time message was made from (by identity of the message). */
  private final Map<byte[], Interaction> onTimeByMessage = new IdentityHashMap<>();

  /**
   * @param count on-time events, over {@code minutes} of event time
   * @param lateCount clearly late events (half in each partition)
   * @param malformedCount malformed messages
   */
  TestData(long seed, int count, int minutes, int lateCount, int malformedCount) {
    EventGenerator gen = new EventGenerator(seed, 500, 50, 5, 0.10, MAX_DISORDER_MILLIS);
    onTime = gen.batch(count, T0, minutes * 60_000L);
    Random random = new Random(seed + 1);
    late = new ArrayList<>();
    for (int i = 0; i < lateCount; i++) {
      Interaction e = gen.next(T0);
      late.add(new Interaction(e.userId, e.itemId, e.interactionType,
          T0 - LATE_OFFSET_MILLIS + random.nextInt(5 * 60_000)));
    }
    malformed = malformedCount;
    for (int p = 0; p < PARTITIONS; p++) {
      partitions.add(new ArrayList<>());
    }
    for (int i = 0; i < onTime.size(); i++) {
      byte[] message = onTime.get(i).toJsonBytes();
      onTimeByMessage.put(message, onTime.get(i));
      partitions.get(i % PARTITIONS).add(message);
    }
    // The late events go after 90% of each partition: by then both partitions have been read far
    // past their windows (the DirectRunner reads at most 100 records per step and partition), so
    // the watermark (the minimum over partitions) has closed their windows whatever the
    // interleaving of the two partitions.
    for (int p = 0; p < PARTITIONS; p++) {
      List<byte[]> part = partitions.get(p);
      int at = part.size() * 9 / 10;
      List<byte[]> mine = new ArrayList<>();
      for (int i = p; i < late.size(); i += PARTITIONS) {
        mine.add(late.get(i).toJsonBytes());
      }
      part.addAll(at, mine);
    }
    String[] bad = {
      "{\"user_id\": \"u-1\", \"item_id\": ", // truncated JSON
      "not json at all",
      "{\"user_id\": \"u-1\", \"item_id\": \"i-1\", \"interaction_type\": \"click\"}", // no timestamp
      "{\"user_id\": \"u-1\", \"item_id\": \"i-1\", \"interaction_type\": \"click\", \"timestamp\": \"yesterday\"}",
    };
    for (int i = 0; i < malformedCount; i++) {
      partitions.get(i % PARTITIONS).add(i * 37 % partitions.get(i % PARTITIONS).size(),
          bad[i % bad.length].getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Every well-formed event, on time or clearly late (what an aggregation without window counts). */
  List<Interaction> all() {
    List<Interaction> all = new ArrayList<>(onTime);
    all.addAll(late);
    return all;
  }

  /** The first half of each partition's messages. */
  List<List<byte[]>> firstHalf() {
    List<List<byte[]>> halves = new ArrayList<>();
    for (List<byte[]> partition : partitions) {
      halves.add(partition.subList(0, partition.size() / 2));
    }
    return halves;
  }

  /** The rest of each partition's messages (the clearly late events among them). */
  List<List<byte[]>> secondHalf() {
    List<List<byte[]>> halves = new ArrayList<>();
    for (List<byte[]> partition : partitions) {
      halves.add(partition.subList(partition.size() / 2, partition.size()));
    }
    return halves;
  }

  /** The on-time events among {@code messages} (parts of {@link #partitions}). */
  List<Interaction> onTimeIn(List<List<byte[]>> messages) {
    List<Interaction> events = new ArrayList<>();
    for (List<byte[]> partition : messages) {
      for (byte[] m : partition) {
        Interaction e = onTimeByMessage.get(m);
        if (e != null) {
          events.add(e);
        }
      }
    }
    return events;
  }

  int totalMessages() {
    return partitions.stream().mapToInt(List::size).sum();
  }
}
