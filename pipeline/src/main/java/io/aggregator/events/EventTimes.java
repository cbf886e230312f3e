package io.aggregator.events;

/**
 * Parses event times without regular expressions or allocation (the per-event hot path): ISO-8601
 * with {@code T} or a space, optional seconds, optional fraction (up to nanoseconds, kept to the
 * millisecond), optional offset ({@code Z}, {@code +01:00}, {@code +0100}, {@code +01}); UTC when
 * there is none. A date alone is midnight UTC. Digits only are epoch milliseconds (docs/semantics.md, "Event time").
 */
public final class EventTimes {

  private EventTimes() {}

  /** Thrown for text that is not a timestamp; carries no stack trace (it is routine). */
  public static final class BadTimestampException extends Exception {
    BadTimestampException(String message) {
      super(message, null, false, false);
    }
  }

  /** Epoch milliseconds of {@code s}. */
  public static long parseMillis(CharSequence s) throws BadTimestampException {
    int n = s.length();
    while (n > 0 && s.charAt(n - 1) == ' ') {
      n--;
    }
    int i = 0;
    while (i < n && s.charAt(i) == ' ') {
      i++;
    }
    if (i == n) {
      throw new BadTimestampException("empty timestamp");
    }
    if (allDigits(s, i, n) || (s.charAt(i) == '-' && i + 1 < n && allDigits(s, i + 1, n))) {
      if (n - i > 18) {
        throw bad(s);
      }
      return Long.parseLong(s.subSequence(i, n).toString());
    }
    // yyyy-MM-dd
    if (n - i < 10 || s.charAt(i + 4) != '-' || s.charAt(i + 7) != '-') {
      throw bad(s);
    }
    int year = digits(s, i, 4);
    int month = digits(s, i + 5, 2);
    int day = digits(s, i + 8, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      throw bad(s);
    }
    int p = i + 10;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int millis = 0;
    if (p < n) {
      char sep = s.charAt(p);
      if (sep != 'T' && sep != 't' && sep != ' ') {
        throw bad(s);
      }
      p++;
      if (n - p < 5 || s.charAt(p + 2) != ':') {
        throw bad(s);
      }
      hour = digits(s, p, 2);
      minute = digits(s, p + 3, 2);
      p += 5;
      if (p < n && s.charAt(p) == ':') {
        if (n - p < 3) {
          throw bad(s);
        }
        second = digits(s, p + 1, 2);
        p += 3;
        if (p < n && (s.charAt(p) == '.' || s.charAt(p) == ',')) {
          p++;
          int start = p;
          int scale = 100;
          while (p < n && isDigit(s.charAt(p))) {
            millis += (s.charAt(p) - '0') * scale;
            scale /= 10;
            p++;
          }
          if (p == start || p - start > 9) {
            throw bad(s);
          }
        }
      }
      if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
        throw bad(s);
      }
    }
    long offsetMillis = 0;
    if (p < n) {
      char z = s.charAt(p);
      if ((z == 'Z' || z == 'z') && p + 1 == n) {
        p++;
      } else if (z == '+' || z == '-') {
        int sign = z == '+' ? 1 : -1;
        p++;
        int oh;
        int om = 0;
        if (n - p == 2) {
          oh = digits(s, p, 2);
        } else if (n - p == 4) {
          oh = digits(s, p, 2);
          om = digits(s, p + 2, 2);
        } else if (n - p == 5 && s.charAt(p + 2) == ':') {
          oh = digits(s, p, 2);
          om = digits(s, p + 3, 2);
        } else {
          throw bad(s);
        }
        if (oh < 0 || oh > 18 || om < 0 || om > 59) {
          throw bad(s);
        }
        offsetMillis = sign * (oh * 3_600_000L + om * 60_000L);
        p = n;
      } else {
        throw bad(s);
      }
    }
    long days = daysFromCivil(year, month, day);
    return days * 86_400_000L
        + hour * 3_600_000L
        + minute * 60_000L
        + second * 1_000L
        + millis
        - offsetMillis;
  }

  private static BadTimestampException bad(CharSequence s) {
    return new BadTimestampException("unparsable timestamp");
  }

  private static boolean allDigits(CharSequence s, int from, int to) {
    for (int k = from; k < to; k++) {
      if (!isDigit(s.charAt(k))) {
        return false;
      }
    }
    return to > from;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** The value of {@code count} digits at {@code from}, or -1 if any is not a digit. */
  private static int digits(CharSequence s, int from, int count) {
    int v = 0;
    for (int k = from; k < from + count; k++) {
      char c = s.charAt(k);
      if (!isDigit(c)) {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int daysInMonth(int year, int month) {
    switch (month) {
      case 2:
        boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return leap ? 29 : 28;
      case 4:
      case 6:
      case 9:
      case 11:
        return 30;
      default:
        return 31;
    }
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
  private static long daysFromCivil(int y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }
}
