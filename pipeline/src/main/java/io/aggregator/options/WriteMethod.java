package io.aggregator.options;

import java.util.Locale;

/** How results are written (docs/semantics.md, "Triggers and write methods"). */
public enum WriteMethod {
  /** Every batch interval, the whole current result (written as upserts of the groups that changed). */
  COMPLETE,
  /** Every batch interval, the groups that changed; windows keep updating until they close. */
  UPDATE,
  /** Each window's row once, when the window closes. */
  APPEND;

  static WriteMethod parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidOptionException("--writeMethod", "complete, update or append", text);
    }
  }
}
