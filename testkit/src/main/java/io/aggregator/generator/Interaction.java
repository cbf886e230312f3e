package io.aggregator.generator;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** One user-interaction event, as the product's users send them. */
public final class Interaction {

  public final String userId;
  public final String itemId;
  public final String interactionType;
  public final long timestampMillis;

  public Interaction(String userId, String itemId, String interactionType, long timestampMillis) {
    this.userId = userId;
    this.itemId = itemId;
    this.interactionType = interactionType;
    this.timestampMillis = timestampMillis;
  }

  /** {@code {"user_id": "u-17", "item_id": "i-4", "interaction_type": "click", "timestamp": "…Z"}} */
  public String toJson() {
    return "{\"user_id\": \""
        + userId
        + "\", \"item_id\": \""
        + itemId
        + "\", \"interaction_type\": \""
        + interactionType
        + "\", \"timestamp\": \""
        + Instant.ofEpochMilli(timestampMillis)
        + "\"}";
  }

  public byte[] toJsonBytes() {
    return toJson().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return toJson();
  }
}
