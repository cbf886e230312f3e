package io.aggregator.options;

import java.util.Locale;

/** Where results go. */
public enum SinkType {
  MONGO,
  CONSOLE;

  static SinkType parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidOptionException("--sink", "mongo or console", text);
    }
  }
}
