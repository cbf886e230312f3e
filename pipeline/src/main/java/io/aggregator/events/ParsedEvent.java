package io.aggregator.events;

import java.util.Objects;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The result of parsing one Kafka message: either an event ({@link #row()} and its event time) or
 * a reject (its reason, detail and raw value). Parsing happens once, in the Kafka deserializer, so
 * that the event time is known when KafkaIO stamps the record and advances the watermark.
 */
public final class ParsedEvent {

  private final @Nullable Row row;
  private final long eventTimeMillis;
  private final @Nullable RejectReason reason;
  private final @Nullable String detail;
  private final byte @Nullable [] raw;

  private ParsedEvent(
      @Nullable Row row,
      long eventTimeMillis,
      @Nullable RejectReason reason,
      @Nullable String detail,
      byte @Nullable [] raw) {
    this.row = row;
    this.eventTimeMillis = eventTimeMillis;
    this.reason = reason;
    this.detail = detail;
    this.raw = raw;
  }

  public static ParsedEvent event(Row row, long eventTimeMillis) {
    return new ParsedEvent(row, eventTimeMillis, null, null, null);
  }

  public static ParsedEvent reject(RejectReason reason, String detail, byte @Nullable [] raw) {
    return new ParsedEvent(null, 0L, reason, detail, raw);
  }

  public boolean isEvent() {
    return row != null;
  }

  public Row row() {
    return Objects.requireNonNull(row, "a reject has no row");
  }

  public long eventTimeMillis() {
    return eventTimeMillis;
  }

  public RejectReason reason() {
    return Objects.requireNonNull(reason, "an event has no reject reason");
  }

  public String detail() {
    return detail == null ? "" : detail;
  }

  public byte @Nullable [] raw() {
    return raw;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof ParsedEvent)) {
      return false;
    }
    ParsedEvent other = (ParsedEvent) o;
    return eventTimeMillis == other.eventTimeMillis
        && Objects.equals(row, other.row)
        && reason == other.reason
        && Objects.equals(detail, other.detail)
        && java.util.Arrays.equals(raw, other.raw);
  }

  @Override
  public int hashCode() {
    return Objects.hash(row, eventTimeMillis, reason, detail);
  }

  @Override
  public String toString() {
    return isEvent() ? "event " + row : "reject " + reason + ": " + detail;
  }
}
