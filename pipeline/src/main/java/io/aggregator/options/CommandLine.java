package io.aggregator.options;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Turns a command line into {@link AggregatorOptions}, accepting both Beam-style flags
 * ({@code --sqlFile=x.sql}) and the PySpark module's ({@code --sql-file x.sql}, {@code
 * --json-fields-map a=$.a b=$.b}), so that existing command lines work unchanged.
 *
 * <p>Rules: a {@code --kebab-case} flag is the camelCase option of the same name; {@code --flag
 * value} equals {@code --flag=value}; the repeatable options take every following word up to the
 * next flag and may also be repeated. Repeatable values are kept verbatim (no comma splitting).
 */
public final class CommandLine {

  /** The repeatable {@code key=value} options, by camelCase name. */
  public static final Set<String> REPEATABLE =
      Set.of("jsonFieldsMap", "writerConf", "kafkaConf", "sparkConf");

  private CommandLine() {}

  /** Whether the user asked for help ({@code --help}, {@code -h}). */
  public static boolean wantsHelp(String[] args) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h") || a.startsWith("--help=")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Parses and validates {@code args}.
   *
   * @throws IllegalArgumentException with one line naming the option, for any bad flag or value
   */
  public static AggregatorOptions parse(String[] args) {
    PipelineOptionsFactory.register(AggregatorOptions.class);
    List<String> beamArgs = new ArrayList<>();
    Map<String, List<String>> repeatable = new LinkedHashMap<>();
    for (String name : REPEATABLE) {
      repeatable.put(name, new ArrayList<>());
    }
    int i = 0;
    while (i < args.length) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new InvalidOptionException(
            "Unexpected argument '"
                + Secrets.mask(arg)
                + "': options are --name=value or --name value (see --help)");
      }
      int eq = arg.indexOf('=');
      String name = camelCase(arg.substring(2, eq < 0 ? arg.length() : eq));
      List<String> values = new ArrayList<>();
      if (eq >= 0) {
        values.add(arg.substring(eq + 1));
      }
      i++;
      boolean multi = REPEATABLE.contains(name);
      // Words up to the next flag belong to this one: all of them for repeatable options, one
      // otherwise (so `--readUntilLatest --topic t` keeps working for booleans).
      while (i < args.length && !args[i].startsWith("--") && (multi || values.isEmpty())) {
        values.add(args[i]);
        i++;
      }
      if (multi) {
        if (values.isEmpty()) {
          throw new InvalidOptionException(
              "--" + name, "one or more key=value entries after the flag", null);
        }
        repeatable.get(name).addAll(values);
      } else if (values.isEmpty()) {
        beamArgs.add("--" + name);
      } else {
        beamArgs.add("--" + beamName(name) + "=" + values.get(0));
      }
    }
    AggregatorOptions options;
    try {
      options =
          PipelineOptionsFactory.fromArgs(beamArgs.toArray(new String[0]))
              .withValidation()
              .as(AggregatorOptions.class);
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException(oneLine(e.getMessage()));
    }
    options.setJsonFieldsMap(repeatable.get("jsonFieldsMap"));
    options.setWriterConf(repeatable.get("writerConf"));
    options.setKafkaConf(repeatable.get("kafkaConf"));
    options.setSparkConf(repeatable.get("sparkConf"));
    return options;
  }

  /**
   * The options-interface name of a product option. {@code --checkpointDir} is held as {@code
   * checkpointBaseDir}: the Spark runner declares a {@code checkpointDir} of its own with another
   * default, and Beam refuses one property with two defaults.
   */
  static String beamName(String name) {
    return name.equals("checkpointDir") ? "checkpointBaseDir" : name;
  }

  /** {@code json-fields-map} becomes {@code jsonFieldsMap}; camelCase stays as it is. */
  static String camelCase(String flag) {
    StringBuilder sb = new StringBuilder(flag.length());
    boolean upper = false;
    for (char c : flag.toCharArray()) {
      if (c == '-' || c == '_') {
        upper = sb.length() > 0;
      } else {
        sb.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return sb.toString();
  }

  private static String oneLine(String message) {
    String m = message == null ? "invalid options" : message.strip();
    int nl = m.indexOf('\n');
    return Secrets.mask(nl < 0 ? m : m.substring(0, nl));
  }
}
