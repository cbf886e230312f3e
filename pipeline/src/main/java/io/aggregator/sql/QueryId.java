package io.aggregator.sql;

import io.aggregator.events.JsonField;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The query id (docs/semantics.md, "Restarts"): a short hash of everything that determines a job's
 * data: the SQL file's text, the fields map, and the deployment (topic, destination, lateness,
 * write method). It names the Kafka consumer group and the checkpoint directory, so changing the
 * SQL starts a new id, which re-reads the topic from the start (a backfill with no manual step),
 * and two deployments of one file (staging and production) never share state.
 */
public final class QueryId {

  /** Hex characters kept: 12 (48 bits), ample for the queries one deployment runs. */
  public static final int LENGTH = 12;

  private QueryId() {}

  /**
   * @param deployment what besides the file decides the job's data, by name ({@code topic=...});
   *     sorted, so that the id does not depend on the order it was built in
   */
  public static String of(
      String sqlText, List<JsonField> fields, SortedMap<String, String> deployment) {
    StringBuilder sb = new StringBuilder(sqlText.replace("\r\n", "\n"));
    sb.append("\n-- fields:");
    for (JsonField f : fields) {
      sb.append('\n').append(f);
    }
    sb.append("\n-- deployment:");
    for (Map.Entry<String, String> e : deployment.entrySet()) {
      sb.append('\n').append(e.getKey()).append('=').append(e.getValue());
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, LENGTH);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /** The Kafka consumer group of a query, unless {@code group.id} is given. */
  public static String consumerGroup(String queryId) {
    return "aggregator-" + queryId;
  }
}
