package io.aggregator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings of {@code runner-profiles/<runner>.conf} ({@code KEY="value"} lines, as
 * {@code scripts/lib.sh} sources them), so that a benchmarked job is launched exactly as the
 * launcher would launch it.
 */
final class RunnerProfile {

  private RunnerProfile() {}

  static Map<String, String> read(Path conf) throws IOException {
    Map<String, String> settings = new HashMap<>();
    for (String line : Files.readAllLines(conf)) {
      String l = line.trim();
      int eq = l.indexOf('=');
      if (l.isEmpty() || l.startsWith("#") || eq <= 0) {
        continue;
      }
      String value = l.substring(eq + 1).trim();
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        value = value.substring(1, value.length() - 1);
      }
      settings.put(l.substring(0, eq).trim(), value);
    }
    return settings;
  }
}
