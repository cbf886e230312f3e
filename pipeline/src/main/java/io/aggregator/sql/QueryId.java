package io.aggregator.sql;

import io.aggregator.events.JsonField;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The query id (docs/semantics.md, "Restarts"): a short hash of the SQL file's text and the fields map. It names the
 * Kafka consumer group and the checkpoint directory, so changing the SQL starts a new id, which
 * re-reads the topic from the start: results are backfilled with no manual step.
 */
public final class QueryId {

  /** Hex characters kept: 12 (48 bits), ample for the queries one deployment runs. */
  public static final int LENGTH = 12;

  private QueryId() {}

  public static String of(String sqlText, List<JsonField> fields) {
    StringBuilder sb = new StringBuilder(sqlText.replace("\r\n", "\n"));
    sb.append("\n-- fields:");
    for (JsonField f : fields) {
      sb.append('\n').append(f);
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
