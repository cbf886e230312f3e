package io.aggregator.tryout;

import io.aggregator.sink.DocumentMapper;
import io.aggregator.sql.EventCount;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.Row;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.joda.time.ReadableInstant;

/**
 * What happened in a try run, in simulated processing time: each firing (its window, its pane,
 * the row it emitted), each late drop (the event, its window, the watermark) and each reject (the
 * line and the reason). Printed as aligned columns, coloured on a terminal, or as JSON lines.
 */
final class Timeline {

  /** The topic name reject rows carry in a try run. */
  static final String SAMPLE_TOPIC = "sample";

  static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  /** How much of a reject's detail a text line shows. */
  static final int MAX_DETAIL = 80;

  enum Kind { REJECT, LATE, FIRE }

  /** One line of the timeline; {@code order} keeps arrivals before what fires at that moment. */
  record Entry(long atMillis, Kind kind, String window, String pane, String detail, Document json, long order) {}

  private final List<Entry> entries = new ArrayList<>();

  void reject(long at, int line, String reason, String detail) {
    entries.add(new Entry(at, Kind.REJECT, "", reason, "line " + line + ": " + shortened(detail),
        new Document("kind", "reject").append("line", line).append("reason", reason).append("detail", detail),
        line));
  }

  void late(long at, int line, long eventTime, long watermark) {
    String detail = "line " + line + ": event at " + TIME.format(Instant.ofEpochMilli(eventTime))
        + ", watermark " + TIME.format(Instant.ofEpochMilli(watermark));
    entries.add(new Entry(at, Kind.LATE, "", "dropped", detail,
        new Document("kind", "late").append("line", line)
            .append("event_time", new Date(eventTime)).append("watermark", new Date(watermark)),
        line));
  }

  void fire(long at, BoundedWindow window, PaneInfo pane, Row row, long sequence) {
    Document json = new Document("kind", "fire").append("window", windowJson(window))
        .append("pane", new Document("timing", timing(pane)).append("index", pane.getIndex())
            .append("last", pane.isLast()))
        .append("row", rowJson(row));
    entries.add(new Entry(at, Kind.FIRE, windowText(window), paneText(pane), rowText(row), json,
        Long.MAX_VALUE / 2 + sequence));
  }

  /** A reject's detail as the text timeline shows it; JSON keeps it whole. */
  private static String shortened(String detail) {
    String oneLine = detail.replaceAll("\\s+", " ");
    return oneLine.length() <= MAX_DETAIL ? oneLine : oneLine.substring(0, MAX_DETAIL) + "…";
  }

  List<Entry> entries() {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::atMillis).thenComparingLong(Entry::order));
    return sorted;
  }

  long count(Kind kind) {
    return entries.stream().filter(e -> e.kind() == kind).count();
  }

  /** The timeline as aligned columns; {@code colour} adds ANSI colours by kind and pane. */
  void print(PrintStream out, boolean colour) {
    List<Entry> sorted = entries();
    int windowWidth = Math.max(6, sorted.stream().mapToInt(e -> e.window().length()).max().orElse(0));
    int paneWidth = Math.max(4, sorted.stream().mapToInt(e -> e.pane().length()).max().orElse(0));
    String format = "%-10s %-7s %-" + windowWidth + "s %-" + paneWidth + "s %s%n";
    out.printf(format, "time", "what", "window", "pane", "detail");
    for (Entry e : sorted) {
      String line = String.format(format, clock(e.atMillis()), e.kind().name().toLowerCase(),
          e.window(), e.pane(), e.detail());
      out.print(colour ? colour(e) + line.stripTrailing() + "\u001b[0m" + System.lineSeparator() : line);
    }
  }

  /** The timeline as JSON lines, one object per entry, with {@code at_ms}. */
  void printJson(PrintStream out) {
    for (Entry e : entries()) {
      Document d = new Document("at_ms", e.atMillis());
      d.putAll(e.json());
      out.println(d.toJson(RELAXED));
    }
  }

  private static String colour(Entry e) {
    switch (e.kind()) {
      case REJECT:
        return "\u001b[31m";
      case LATE:
        return "\u001b[33m";
      default:
        return e.pane().startsWith("on time") ? "\u001b[32m" : e.pane().startsWith("late") ? "\u001b[33m" : "\u001b[36m";
    }
  }

  /** {@code +mm:ss.SSS} after the first arrival. */
  static String clock(long millis) {
    return String.format("+%02d:%02d.%03d", millis / 60_000, millis / 1000 % 60, millis % 1000);
  }

  static String timing(PaneInfo pane) {
    // A result kept in state rather than fired by a trigger has no timing: it is an update.
    PaneInfo.Timing t = pane.getTiming() == PaneInfo.Timing.UNKNOWN ? PaneInfo.Timing.EARLY : pane.getTiming();
    return t.name();
  }

  static String paneText(PaneInfo pane) {
    if (pane.getTiming() == PaneInfo.Timing.UNKNOWN) {
      return "update"; // kept in state and emitted every batch (no window, no trigger)
    }
    String timing = timing(pane).toLowerCase().replace('_', ' ');
    return timing + " #" + pane.getIndex() + (pane.isLast() ? " final" : "");
  }

  static String windowText(BoundedWindow window) {
    if (window instanceof IntervalWindow) {
      IntervalWindow w = (IntervalWindow) window;
      return TIME.format(Instant.ofEpochMilli(w.start().getMillis())) + "–"
          + CLOCK.format(Instant.ofEpochMilli(w.end().getMillis()));
    }
    return "all time";
  }

  private static Object windowJson(BoundedWindow window) {
    if (window instanceof IntervalWindow) {
      IntervalWindow w = (IntervalWindow) window;
      return new Document("start", w.start().toDate()).append("end", w.end().toDate());
    }
    return "global";
  }

  /** The row's columns as {@code name=value}, without the window and the event count. */
  static String rowText(Row row) {
    List<String> parts = new ArrayList<>();
    Map<String, Object> values = rowJson(row);
    values.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join(" ", parts);
  }

  private static Document rowJson(Row row) {
    Document d = new Document();
    Schema schema = row.getSchema();
    for (Schema.Field f : schema.getFields()) {
      String name = f.getName();
      if (!name.equals(DocumentMapper.WINDOW_START) && !name.equals(DocumentMapper.WINDOW_END)
          && !name.equals(EventCount.COLUMN)) {
        Object v = row.getValue(name);
        d.put(name, v instanceof ReadableInstant
            ? TIME.format(Instant.ofEpochMilli(((ReadableInstant) v).getMillis())) : v);
      }
    }
    return d;
  }
}
