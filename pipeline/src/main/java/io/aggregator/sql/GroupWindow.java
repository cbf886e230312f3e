package io.aggregator.sql;

import java.io.Serializable;

/**
 * The event-time window a query groups by, with its intervals in milliseconds as Beam SQL reads
 * them: {@code TUMBLE(ts, size[, offset])}, {@code HOP(ts, slide, size[, offset])} or {@code
 * SESSION(ts, gap)} (for a session, {@code size} is the gap).
 */
public record GroupWindow(Kind kind, long sizeMillis, long slideMillis, long offsetMillis)
    implements Serializable {

  /** The three group window functions of Beam SQL. */
  public enum Kind {
    TUMBLE,
    HOP,
    SESSION
  }
}
