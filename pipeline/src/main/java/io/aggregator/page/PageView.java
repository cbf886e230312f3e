package io.aggregator.page;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the page says about the job itself, fixed at start: the SQL file, how its documents are
 * keyed (group columns, window), where they are (the MongoDB target with its password masked)
 * and the lateness rule that turns the newest event times into watermarks.
 */
public final class PageView {

  /** The query's kind as the page draws it: a chart over windows, or bars of current values. */
  public enum Kind { WINDOWED, ALL_TIME, NESTED }

  private final String sqlFile;
  private final Kind kind;
  private final List<String> groupColumns;
  private final String target;
  private final long allowLateForMillis;
  private final String runner;

  /**
   * @param target the MongoDB target as shown to people: already masked ({@code MongoTarget#toString})
   */
  public PageView(
      String sqlFile, Kind kind, List<String> groupColumns, String target, long allowLateForMillis,
      String runner) {
    this.sqlFile = sqlFile;
    this.kind = kind;
    this.groupColumns = List.copyOf(groupColumns);
    this.target = target;
    this.allowLateForMillis = allowLateForMillis;
    this.runner = runner;
  }

  long allowLateForMillis() {
    return allowLateForMillis;
  }

  Kind kind() {
    return kind;
  }

  /** The answer of {@code /api/job}. */
  Map<String, Object> asJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sqlFile", sqlFile);
    m.put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
    m.put("groupColumns", groupColumns);
    m.put("target", target);
    m.put("allowLateForMillis", allowLateForMillis);
    m.put("runner", runner);
    return m;
  }
}
