package io.aggregator.options;

import io.aggregator.source.JsonField;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.joda.time.Duration;

/**
 * The job's settings, checked and typed once at start from {@link AggregatorOptions}: every bad
 * value stops the job here with one line naming the option and what was expected (SPEC §3).
 */
public final class JobSettings implements Serializable {

  /** Mongo writer keys of the PySpark module, and ours they mean. */
  private static final Map<String, String> PYSPARK_WRITER_KEYS =
      Map.of(
          "spark.mongodb.connection.uri", "uri",
          "spark.mongodb.write.connection.uri", "uri",
          "spark.mongodb.output.uri", "uri",
          "spark.mongodb.database", "database",
          "spark.mongodb.write.database", "database",
          "spark.mongodb.output.database", "database",
          "spark.mongodb.collection", "collection",
          "spark.mongodb.write.collection", "collection",
          "spark.mongodb.output.collection", "collection");

  public static final int DEFAULT_MONGO_BATCH_SIZE = 1000;

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
  private final String checkpointDir;
  private final boolean readUntilLatest;
  private final Map<String, String> sparkConf;
  private final Duration retryBudget;

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
    this.writerConf = writerConf(keyValues("--writerConf", o.getWriterConf()));
    this.kafkaConf = kafkaConf(keyValues("--kafkaConf", o.getKafkaConf()));
    this.checkpointDir = required("--checkpointDir", o.getCheckpointBaseDir(), "a directory");
    this.readUntilLatest = o.getReadUntilLatest();
    this.sparkConf = keyValues("--sparkConf", o.getSparkConf());
    this.retryBudget = Durations.parse("--retryBudget", o.getRetryBudget());
    if (retryBudget.getMillis() <= 0) {
      throw new InvalidOptionException("--retryBudget", "a duration above zero", o.getRetryBudget());
    }
    if (sink == SinkType.MONGO) {
      for (String key : List.of("uri", "database", "collection")) {
        if (!writerConf.containsKey(key) || writerConf.get(key).isBlank()) {
          throw new InvalidOptionException(
              "--writerConf",
              key + "=... for --sink=mongo (uri, database and collection are required)",
              null);
        }
      }
      if (!writerConf.get("uri").startsWith("mongodb://")
          && !writerConf.get("uri").startsWith("mongodb+srv://")) {
        throw new InvalidOptionException(
            "--writerConf uri", "a mongodb:// or mongodb+srv:// URI", writerConf.get("uri"));
      }
      mongoBatchSize(); // validates
    }
  }

  /** Checks and types {@code options}; throws {@link InvalidOptionException} on any bad value. */
  public static JobSettings from(AggregatorOptions options) {
    return new JobSettings(options);
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
        JsonField f = JsonField.parse(entry);
        if (byAlias.containsKey(f.alias())) {
          throw new InvalidOptionException(
              "--jsonFieldsMap", "each alias once, but '" + f.alias() + "' is given twice", null);
        }
        byAlias.put(f.alias(), f);
      }
    }
    byAlias.putIfAbsent(
        JsonField.TIMESTAMP,
        JsonField.of(JsonField.TIMESTAMP, io.aggregator.source.FieldType.TIMESTAMP, "$.timestamp"));
    List<JsonField> list = new ArrayList<>(byAlias.values());
    try {
      new io.aggregator.source.JsonEventParser(list); // compiles the paths, refuses overlaps
    } catch (IllegalArgumentException e) {
      throw new InvalidOptionException(e.getMessage());
    }
    return Collections.unmodifiableList(list);
  }

  static Map<String, String> keyValues(String option, List<String> entries) {
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

  private static Map<String, String> writerConf(Map<String, String> given) {
    Map<String, String> conf = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : given.entrySet()) {
      conf.put(PYSPARK_WRITER_KEYS.getOrDefault(e.getKey(), e.getKey()), e.getValue());
    }
    // The PySpark module's output URI may name the database and collection: mongodb://h/db.coll
    String uri = conf.get("uri");
    if (uri != null) {
      String path = uriPath(uri);
      if (path != null && !path.isEmpty()) {
        int dot = path.indexOf('.');
        String db = dot < 0 ? path : path.substring(0, dot);
        conf.putIfAbsent("database", db);
        if (dot > 0 && dot < path.length() - 1) {
          conf.putIfAbsent("collection", path.substring(dot + 1));
        }
      }
    }
    return Collections.unmodifiableMap(conf);
  }

  /** The database part of a MongoDB URI's path ({@code mongodb://h:1/db.coll?x=y}), or null. */
  private static String uriPath(String uri) {
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      return null;
    }
    int slash = uri.indexOf('/', scheme + 3);
    if (slash < 0) {
      return null;
    }
    int q = uri.indexOf('?', slash);
    return uri.substring(slash + 1, q < 0 ? uri.length() : q);
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

  public Map<String, String> sparkConf() {
    return sparkConf;
  }

  /** How long an unreachable MongoDB or Kafka is retried before the job fails. */
  public Duration retryBudget() {
    return retryBudget;
  }

  public String mongoUri() {
    return writerConf.get("uri");
  }

  public String mongoDatabase() {
    return writerConf.get("database");
  }

  public String mongoCollection() {
    return writerConf.get("collection");
  }

  /** Documents per bulk write ({@code --writerConf batchSize=}, default 1000). */
  public int mongoBatchSize() {
    String v = writerConf.getOrDefault("batchSize", String.valueOf(DEFAULT_MONGO_BATCH_SIZE));
    try {
      int n = Integer.parseInt(v);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new InvalidOptionException("--writerConf batchSize", "a whole number above 0", v);
    }
  }

  /** The settings as one line for the start-up log, with every secret masked. */
  public String describe() {
    Map<String, String> writer = new LinkedHashMap<>();
    writerConf.forEach((k, v) -> writer.put(k, Secrets.isSecretKey(k) ? "***" : Secrets.mask(v)));
    Map<String, String> kafka = new LinkedHashMap<>();
    kafkaConf.forEach((k, v) -> kafka.put(k, Secrets.isSecretKey(k) ? "***" : Secrets.mask(v)));
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
        + " retryBudget="
        + Durations.format(retryBudget);
  }
}
