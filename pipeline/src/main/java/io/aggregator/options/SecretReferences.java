package io.aggregator.options;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Secrets given by reference in {@code --writerConf} and {@code --kafkaConf} values, so that they
 * are on no command line and in no serialised job (README, "Security"). The syntax is that of
 * Kafka's config providers and of Spark's configuration, anywhere inside a value:
 *
 * <ul>
 *   <li>{@code ${env:NAME}}: the environment variable {@code NAME};
 *   <li>{@code ${file:PATH}}: the whole file (a mounted Docker or Kubernetes secret), without its
 *       trailing line break;
 *   <li>{@code ${file:PATH:KEY}}: the property {@code KEY} of a properties file, as Kafka's
 *       {@code FileConfigProvider} reads it.
 * </ul>
 *
 * <p>A value is resolved where its connection is made, in the process making it: the launcher for
 * its start-up checks, each worker for its consumers and writers. Jobs, options and checkpoints
 * carry the reference, never the secret. Every value resolved is remembered by {@link Secrets}, so
 * that no message of this process can show it.
 */
public final class SecretReferences {

  private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]+)}");

  private SecretReferences() {}

  /** Whether {@code value} holds a reference. */
  public static boolean hasReference(String value) {
    return value != null && REFERENCE.matcher(value).find();
  }

  /**
   * {@code value} with each reference replaced by what it names.
   *
   * @throws IllegalArgumentException naming the reference (never its value) when it cannot be read
   */
  public static String resolve(String value) {
    return resolve(value, System::getenv);
  }

  /** As {@link #resolve(String)}, with another environment (for tests). */
  static String resolve(String value, Function<String, String> environment) {
    if (!hasReference(value)) {
      return value;
    }
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String secret =
          m.group(1).equals("env") ? fromEnvironment(m.group(0), m.group(2), environment)
              : fromFile(m.group(0), m.group(2));
      Secrets.remember(secret);
      Secrets.rememberSetting("uri", secret); // and a password inside it (a whole URI's file)
      m.appendReplacement(out, Matcher.quoteReplacement(secret));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Every value of {@code config} resolved (non-string values kept). */
  public static <V> Map<String, Object> resolveAll(Map<String, V> config) {
    Map<String, Object> resolved = new LinkedHashMap<>();
    config.forEach((k, v) -> resolved.put(k, v instanceof String ? resolve((String) v) : v));
    return resolved;
  }

  private static String fromEnvironment(
      String reference, String name, Function<String, String> environment) {
    String value = environment.apply(name);
    if (value == null) {
      throw new IllegalArgumentException(
          reference + ": the environment variable " + name + " is not set in this process");
    }
    return value;
  }

  private static String fromFile(String reference, String spec) {
    Path whole = Path.of(spec);
    if (Files.isRegularFile(whole)) {
      return read(reference, whole).replaceFirst("\\r?\\n$", "");
    }
    // Kafka's form PATH:KEY, the key after the last colon.
    int colon = spec.lastIndexOf(':');
    if (colon > 0 && Files.isRegularFile(Path.of(spec.substring(0, colon)))) {
      Properties properties = new Properties();
      try (Reader r = Files.newBufferedReader(Path.of(spec.substring(0, colon)), StandardCharsets.UTF_8)) {
        properties.load(r);
      } catch (IOException e) {
        throw unreadable(reference, e);
      }
      String key = spec.substring(colon + 1);
      String value = properties.getProperty(key);
      if (value == null) {
        throw new IllegalArgumentException(reference + ": the file has no property " + key);
      }
      return value;
    }
    throw new IllegalArgumentException(reference + ": no such file in this process's file system");
  }

  private static String read(String reference, Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw unreadable(reference, e);
    }
  }

  private static IllegalArgumentException unreadable(String reference, IOException e) {
    // The exception's own message names the file only; the cause is left out all the same.
    return new IllegalArgumentException(
        reference + ": cannot be read (" + e.getClass().getSimpleName() + ")");
  }
}
