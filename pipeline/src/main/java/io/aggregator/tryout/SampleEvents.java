package io.aggregator.tryout;

import io.aggregator.options.Durations;
import io.aggregator.options.InvalidOptionException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.joda.time.Duration;

/**
 * A file of sample messages, one per line, each with the moment it arrives (README, "Trying a SQL
 * file"). By default a message arrives every {@code --arrivalEvery} after the one before; a line
 * may say otherwise with a prefix: {@code +2s {...}} arrives 2 seconds after the previous
 * message. Blank lines and lines starting with {@code #} are skipped; any other line is a message
 * as Kafka would deliver it, bad ones included (they become rejects).
 */
final class SampleEvents {

  /** A message: its line in the file, when it arrives (millis after the first) and its bytes. */
  record Message(int line, long arrivalMillis, byte[] bytes) {}

  private static final Pattern GAP = Pattern.compile("^\\+(\\d+(?:\\.\\d+)?)(ms|s|m|h)\\s+(.*)$");

  private SampleEvents() {}

  static List<Message> read(Path file, Duration arrivalEvery) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Message> messages = new ArrayList<>();
    long at = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      long gap = messages.isEmpty() ? 0 : arrivalEvery.getMillis();
      Matcher m = GAP.matcher(line);
      if (m.matches()) {
        gap = millis(m.group(1), m.group(2));
        line = m.group(3);
      }
      at += gap;
      messages.add(new Message(i + 1, at, line.getBytes(StandardCharsets.UTF_8)));
    }
    if (messages.isEmpty()) {
      throw new InvalidOptionException("--events", "a file with at least one message line", file.toString());
    }
    return messages;
  }

  private static long millis(String amount, String unit) {
    double n = Double.parseDouble(amount);
    switch (unit) {
      case "ms":
        return Math.round(n);
      case "s":
        return Math.round(n * 1_000);
      case "m":
        return Math.round(n * 60_000);
      default:
        return Math.round(n * 3_600_000);
    }
  }

  /** {@code --arrivalEvery} as a duration ({@code 100 milliseconds}, {@code PT0.1S}). */
  static Duration arrivalEvery(String text) {
    return Durations.parse("--arrivalEvery", text);
  }
}
