package io.aggregator.options;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.joda.time.Duration;

/**
 * Durations in the PySpark module's form ({@code 5 seconds}, {@code 20 minutes}, {@code 1 hour},
 * {@code 500 milliseconds}, {@code 2 days}) and in ISO-8601 ({@code PT5S}).
 */
public final class Durations {

  private static final Pattern HUMAN =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]+)");

  private Durations() {}

  /**
   * Parses {@code text}; {@code option} only names the option in the error message.
   *
   * @throws InvalidOptionException if the text is neither form or the duration is negative
   */
  public static Duration parse(String option, String text) {
    String expected = "a duration such as '5 seconds', '20 minutes', '1 hour' or 'PT5S'";
    if (text == null || text.isBlank()) {
      throw new InvalidOptionException(option, expected, text);
    }
    String t = text.trim();
    if (t.regionMatches(true, 0, "P", 0, 1)) {
      try {
        return nonNegative(option, java.time.Duration.parse(t.toUpperCase(Locale.ROOT)), text);
      } catch (java.time.format.DateTimeParseException e) {
        throw new InvalidOptionException(option, expected, text);
      }
    }
    Matcher m = HUMAN.matcher(t.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new InvalidOptionException(option, expected, text);
    }
    double amount = Double.parseDouble(m.group(1));
    long unitMillis = unitMillis(m.group(2));
    if (unitMillis < 0) {
      throw new InvalidOptionException(option, expected, text);
    }
    return Duration.millis(Math.round(amount * unitMillis));
  }

  private static Duration nonNegative(String option, java.time.Duration d, String text) {
    if (d.isNegative()) {
      throw new InvalidOptionException(option, "a duration that is not negative", text);
    }
    return Duration.millis(d.toMillis());
  }

  private static long unitMillis(String unit) {
    switch (unit) {
      case "ms":
      case "millisecond":
      case "milliseconds":
        return 1L;
      case "s":
      case "sec":
      case "secs":
      case "second":
      case "seconds":
        return 1_000L;
      case "m":
      case "min":
      case "mins":
      case "minute":
      case "minutes":
        return 60_000L;
      case "h":
      case "hour":
      case "hours":
        return 3_600_000L;
      case "d":
      case "day":
      case "days":
        return 86_400_000L;
      case "week":
      case "weeks":
        return 7 * 86_400_000L;
      default:
        return -1L;
    }
  }

  /** The PySpark form of a duration, for messages: {@code 300000 ms} prints as {@code 5 minutes}. */
  public static String format(Duration d) {
    long ms = d.getMillis();
    if (ms != 0 && ms % 3_600_000L == 0) {
      return plural(ms / 3_600_000L, "hour");
    }
    if (ms != 0 && ms % 60_000L == 0) {
      return plural(ms / 60_000L, "minute");
    }
    if (ms % 1_000L == 0) {
      return plural(ms / 1_000L, "second");
    }
    return plural(ms, "millisecond");
  }

  private static String plural(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }
}
