package io.aggregator.peers;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark query's result in one line, so that a peer's result can be checked against the
 * one worked out from the generated events: {@code interactions_per_item_5m.sql}, one row per
 * item, interaction type and 5-minute window with its count. Rows, events counted, and a
 * fingerprint that changes when any row's key or count does (the sum over rows of the count times
 * a hash of the key).
 */
public final class ResultSummary {

  public static final long WINDOW_MILLIS = 5 * 60_000L;
  private static final Pattern LINE =
      Pattern.compile("result: (\\d+) rows, (\\d+) events, fingerprint (-?\\d+)");

  private long rows;
  private long events;
  private long fingerprint;

  /** Adds one result row: a window (its start) of one item and type, and its count. */
  public void addRow(String itemId, String interactionType, long windowStartMillis, long count) {
    rows++;
    events += count;
    fingerprint += count * (long) (itemId + '|' + interactionType + '|' + windowStartMillis).hashCode();
  }

  /** The start of the 5-minute window, aligned to the epoch, that holds {@code eventMillis}. */
  public static long windowStart(long eventMillis) {
    return Math.floorDiv(eventMillis, WINDOW_MILLIS) * WINDOW_MILLIS;
  }

  public long rows() {
    return rows;
  }

  public long events() {
    return events;
  }

  /** The line a peer prints and the benchmark reads back. */
  public String line() {
    return String.format(Locale.ROOT, "result: %d rows, %d events, fingerprint %d", rows, events, fingerprint);
  }

  /** Whether {@code output} holds this summary's line. */
  public boolean matches(String output) {
    Matcher m = LINE.matcher(output);
    return m.find() && m.group(0).equals(line());
  }

  /** The summary line found in {@code output}, or a note that there is none. */
  public static String found(String output) {
    Matcher m = LINE.matcher(output);
    return m.find() ? m.group(0) : "no result line";
  }
}
