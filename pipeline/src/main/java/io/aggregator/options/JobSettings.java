package io.aggregator.options;

import io.aggregator.events.FieldType;
import io.aggregator.events.JsonEventParser;
import io.aggregator.events.JsonField;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The job's settings, checked and typed once at start from {@link AggregatorOptions}: every bad
 * value stops the job here with one line naming the option and what was expected. The sink reads
 * its own settings ({@code --writerConf}) when it is built, before the job starts.
 */
public final class JobSettings implements Serializable {

  private final String bootstrapServers;
  private final String topic;
  private final String sqlFile;
  private final List<JsonField> fields;
  private final Duration batchInterval;
  private final Duration allowLateFor;
  private final WriteMethod writeMethod;
  private final SinkType sink;
  private final Map<String, String> writerConf;
  private final Map<String, String> kafkaConf;
  private final List<String> literalSecrets = new ArrayList<>();
  private final String checkpointDir;
  private final boolean readUntilLatest;
  private final boolean acceptPartialBackfill;
  private final Map<String, String> sparkConf;
  private final Duration retryBudget;
  private final Duration maxEventTimeSkew;
  private final Duration idleTimeout;
  private final Duration partitionDiscoveryInterval;
  private final Duration aggregatedRetention;
  // Not in describe(): where the page listens is no part of the job's state or its fingerprint.
  private final @Nullable PageAddress resultsPage;

  private JobSettings(AggregatorOptions o) {
    this.bootstrapServers = required("--bootstrapServers", o.getBootstrapServers(), "host:port");
    this.topic = required("--topic", o.getTopic(), "a Kafka topic name");
    this.sqlFile = required("--sqlFile", o.getSqlFile(), "the path of a .sql file");
    this.fields = fields(o.getJsonFieldsMap());
    this.batchInterval = Durations.parse("--batchInterval", o.getBatchInterval());
    if (batchInterval.getMillis() <= 0) {
      throw new InvalidOptionException(
          "--batchInterval", "a duration above zero", o.getBatchInterval());
    }
    this.allowLateFor = Durations.parse("--allowLateFor", o.getAllowLateFor());
    this.writeMethod = WriteMethod.parse(o.getWriteMethod());
    this.sink = SinkType.parse(o.getSink());
    this.writerConf = Collections.unmodifiableMap(keyValues("--writerConf", o.getWriterConf()));
    this.kafkaConf = kafkaConf(keyValues("--kafkaConf", o.getKafkaConf()));
    checkSecrets("--writerConf", writerConf);
    checkSecrets("--kafkaConf", kafkaConf);
    this.checkpointDir = required("--checkpointDir", o.getCheckpointBaseDir(), "a directory");
    this.readUntilLatest = o.getReadUntilLatest();
    this.acceptPartialBackfill = o.getAcceptPartialBackfill();
    this.sparkConf = sparkConf(keyValues("--sparkConf", o.getSparkConf()));
    this.maxEventTimeSkew = Durations.parse("--maxEventTimeSkew", o.getMaxEventTimeSkew());
    this.idleTimeout =
        "0".equals(String.valueOf(o.getIdleTimeout()).trim())
            ? Duration.ZERO
            : Durations.parse("--idleTimeout", o.getIdleTimeout());
    this.partitionDiscoveryInterval =
        Durations.parse("--partitionDiscoveryInterval", o.getPartitionDiscoveryInterval());
    if (partitionDiscoveryInterval.getMillis() <= 0) {
      throw new InvalidOptionException(
          "--partitionDiscoveryInterval", "a duration above zero", o.getPartitionDiscoveryInterval());
    }
    this.aggregatedRetention =
        Durations.parse("--aggregatedRetention", o.getAggregatedRetention());
    if (aggregatedRetention.getMillis() <= 0) {
      throw new InvalidOptionException(
          "--aggregatedRetention", "a duration above zero", o.getAggregatedRetention());
    }
    this.resultsPage = PageAddress.parse(o.getResultsPage());
    if (resultsPage != null && sink != SinkType.MONGO) {
      throw new InvalidOptionException(PageAddress.OPTION, "--sink=mongo: the page reads the results"
          + " from MongoDB", o.getResultsPage());
    }
    this.retryBudget = Durations.parse("--retryBudget", o.getRetryBudget());
    if (retryBudget.getMillis() <= 0) {
      throw new InvalidOptionException("--retryBudget", "a duration above zero", o.getRetryBudget());
    }
  }

  /** Checks and types {@code options}; throws {@link InvalidOptionException} on any bad value. */
  public static JobSettings from(AggregatorOptions options) {
    return new JobSettings(options);
  }

  /**
   * Remembers the secrets given on the command line, so no message shows them, and reads every
   * reference once here, so that a missing file or variable stops the job at start with the
   * option named. Workers read them again when they connect (README, "Security").
   */
  private void checkSecrets(String option, Map<String, String> conf) {
    conf.forEach((key, value) -> {
      if (Secrets.rememberSetting(key, value)) {
        literalSecrets.add(option + " " + key);
      }
      try {
        SecretReferences.resolve(value);
      } catch (IllegalArgumentException e) {
        throw new InvalidOptionException("Invalid value for " + option + " " + key + ": " + e.getMessage());
      }
    });
  }

  private static String required(String option, String value, String expected) {
    if (value == null || value.isBlank()) {
      throw new InvalidOptionException(option, expected, value);
    }
    return value.trim();
  }

  private static List<JsonField> fields(List<String> entries) {
    Map<String, JsonField> byAlias = new LinkedHashMap<>();
    if (entries != null) {
      for (String entry : entries) {
        JsonField f;
        try {
          f = JsonField.parse(entry);
        } catch (IllegalArgumentException e) {
          throw new InvalidOptionException("--jsonFieldsMap", e.getMessage(), entry);
        }
        if (byAlias.containsKey(f.alias())) {
          throw new InvalidOptionException(
              "--jsonFieldsMap", "each alias once, but '" + f.alias() + "' is given twice", null);
        }
        byAlias.put(f.alias(), f);
      }
    }
    byAlias.putIfAbsent(
        JsonField.TIMESTAMP,
        JsonField.of(JsonField.TIMESTAMP, FieldType.TIMESTAMP, "$.timestamp"));
    List<JsonField> list = new ArrayList<>(byAlias.values());
    try {
      JsonEventParser.checkPaths(list);
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException(e.getMessage());
    }
    return Collections.unmodifiableList(list);
  }

  /** {@code key=value} entries of {@code option}, in order; throws naming the option. */
  public static Map<String, String> keyValues(String option, List<String> entries) {
    Map<String, String> map = new LinkedHashMap<>();
    if (entries == null) {
      return map;
    }
    for (String entry : entries) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new InvalidOptionException(option, "key=value", entry);
      }
      map.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
    }
    return map;
  }

  /** Spark takes its settings from {@code spark.*} keys only: refuse others rather than drop them. */
  private static Map<String, String> sparkConf(Map<String, String> given) {
    for (String key : given.keySet()) {
      if (!key.startsWith("spark.")) {
        throw new InvalidOptionException("--sparkConf", "spark.* settings such as spark.sql.shuffle.partitions=2", key);
      }
    }
    return Collections.unmodifiableMap(given);
  }

  private static Map<String, String> kafkaConf(Map<String, String> given) {
    Map<String, String> conf = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : given.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (key.equals("startingOffsets")) {
        String v = value.toLowerCase(Locale.ROOT);
        if (!v.equals("earliest") && !v.equals("latest")) {
          throw new InvalidOptionException(
              "--kafkaConf startingOffsets", "earliest or latest", value);
        }
        conf.put("auto.offset.reset", v);
      } else if (key.startsWith("kafka.")) {
        conf.put(key.substring("kafka.".length()), value); // Spark's kafka. prefix
      } else {
        conf.put(key, value);
      }
    }
    return Collections.unmodifiableMap(conf);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String topic() {
    return topic;
  }

  public String sqlFile() {
    return sqlFile;
  }

  /** The columns of table SOURCE, {@code timestamp} included. */
  public List<JsonField> fields() {
    return fields;
  }

  public Duration batchInterval() {
    return batchInterval;
  }

  public Duration allowLateFor() {
    return allowLateFor;
  }

  public WriteMethod writeMethod() {
    return writeMethod;
  }

  public SinkType sink() {
    return sink;
  }

  /** The sink's writer settings as given ({@code --writerConf}); the sink reads them. */
  public Map<String, String> writerConf() {
    return writerConf;
  }

  /** Kafka consumer properties given by the user, PySpark aliases translated. */
  public Map<String, String> kafkaConf() {
    return kafkaConf;
  }

  public String checkpointDir() {
    return checkpointDir;
  }

  public boolean readUntilLatest() {
    return readUntilLatest;
  }

  /** Whether a query over all time may start although events it needs are gone. */
  public boolean acceptPartialBackfill() {
    return acceptPartialBackfill;
  }

  /** Whether an unbounded read starts at the end of the topic ({@code startingOffsets=latest}). */
  public boolean startsAtLatest() {
    return !readUntilLatest && "latest".equals(kafkaConf.get("auto.offset.reset"));
  }

  /** {@code --sparkConf} settings, every key {@code spark.*}; handed to the Spark runner. */
  public Map<String, String> sparkConf() {
    return sparkConf;
  }

  /** How long an unreachable MongoDB or Kafka is retried before the job fails. */
  public Duration retryBudget() {
    return retryBudget;
  }

  /** How far ahead of the processing clock an event time may be before it is a reject. */
  public Duration maxEventTimeSkew() {
    return maxEventTimeSkew;
  }

  /** How long a partition may deliver nothing before it stops holding the watermark; 0: never. */
  /** How long a nested table spanning windows keeps a window behind the newest one. */
  public Duration aggregatedRetention() {
    return aggregatedRetention;
  }

  /** Where the results page listens, or null when it is off. */
  public @Nullable PageAddress resultsPage() {
    return resultsPage;
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** How often an unbounded job looks for partitions added to the topic. */
  public Duration partitionDiscoveryInterval() {
    return partitionDiscoveryInterval;
  }

  /**
   * The settings whose secret was given on the command line rather than by reference: masked in
   * every message, but visible to {@code ps} and carried inside the job and its checkpoints.
   */
  public List<String> literalSecrets() {
    return Collections.unmodifiableList(literalSecrets);
  }

  /** {@code key=value} entries as they may be shown: secrets masked, references kept. */
  public static List<String> shown(Map<String, String> conf) {
    List<String> entries = new ArrayList<>();
    conf.forEach((k, v) -> entries.add(k + "=" + Secrets.shown(k, v)));
    return entries;
  }

  /** The settings as one line for the start-up log, with every secret masked. */
  public String describe() {
    Map<String, String> writer = new LinkedHashMap<>();
    writerConf.forEach((k, v) -> writer.put(k, Secrets.shown(k, v)));
    Map<String, String> kafka = new LinkedHashMap<>();
    kafkaConf.forEach((k, v) -> kafka.put(k, Secrets.shown(k, v)));
    return describe(writer, kafka);
  }

  /**
   * A short hash of every setting, secrets included (never shown): a runner that freezes the
   * whole job in its checkpoint (Spark Streaming) must not restore it under changed settings. A
   * secret given by reference counts as its reference: rotating the file's content keeps the state.
   */
  public String fingerprint() {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256")
          .digest(describe(writerConf, kafkaConf).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  private String describe(Map<String, String> writer, Map<String, String> kafka) {
    return "bootstrapServers="
        + bootstrapServers
        + " topic="
        + topic
        + " sqlFile="
        + sqlFile
        + " fields="
        + fields
        + " batchInterval="
        + Durations.format(batchInterval)
        + " allowLateFor="
        + Durations.format(allowLateFor)
        + " writeMethod="
        + writeMethod.name().toLowerCase(Locale.ROOT)
        + " sink="
        + sink.name().toLowerCase(Locale.ROOT)
        + " writerConf="
        + writer
        + " kafkaConf="
        + kafka
        + " checkpointDir="
        + checkpointDir
        + " readUntilLatest="
        + readUntilLatest
        + " maxEventTimeSkew="
        + Durations.format(maxEventTimeSkew)
        + " idleTimeout="
        + Durations.format(idleTimeout)
        + " partitionDiscoveryInterval="
        + Durations.format(partitionDiscoveryInterval)
        + " aggregatedRetention="
        + Durations.format(aggregatedRetention)
        + " retryBudget="
        + Durations.format(retryBudget);
  }
}
