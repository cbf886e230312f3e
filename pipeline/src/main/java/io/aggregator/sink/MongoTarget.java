package io.aggregator.sink;

import io.aggregator.options.InvalidOptionException;
import io.aggregator.options.SecretReferences;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A MongoDB collection to write to, how many documents go in one bulk write, and how long an
 * unreachable server is retried before the job fails; read from {@code --writerConf}, where the
 * PySpark module's keys ({@code spark.mongodb.*}) mean the same as ours.
 */
public final class MongoTarget implements Serializable {

  public static final int DEFAULT_BATCH_SIZE = 1000;

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

  private final MongoConnection connection;
  private final String database;
  private final String collection;
  private final int batchSize;
  private final long retryBudgetMillis;

  MongoTarget(MongoConnection connection, String database, String collection, int batchSize,
      long retryBudgetMillis) {
    this.connection = connection;
    this.database = database;
    this.collection = collection;
    this.batchSize = batchSize;
    this.retryBudgetMillis = retryBudgetMillis;
  }

  /**
   * The target {@code --writerConf} names.
   *
   * @throws InvalidOptionException naming the setting when one is missing or malformed
   */
  public static MongoTarget fromWriterConf(Map<String, String> given, long retryBudgetMillis) {
    Map<String, String> conf = new LinkedHashMap<>();
    given.forEach((k, v) -> conf.put(PYSPARK_WRITER_KEYS.getOrDefault(k, k), v));
    String uri = conf.get("uri");
    // Read here to check it; the connection keeps the reference and reads it where it connects.
    String resolved = uri == null ? null : SecretReferences.resolve(uri);
    if (resolved != null) {
      // The PySpark module's output URI may name the database and collection: mongodb://h/db.coll
      String path = uriPath(resolved);
      if (path != null && !path.isEmpty()) {
        int dot = path.indexOf('.');
        conf.putIfAbsent("database", dot < 0 ? path : path.substring(0, dot));
        if (dot > 0 && dot < path.length() - 1) {
          conf.putIfAbsent("collection", path.substring(dot + 1));
        }
      }
    }
    for (String key : List.of("uri", "database", "collection")) {
      if (!conf.containsKey(key) || conf.get(key).isBlank()) {
        throw new InvalidOptionException(
            "--writerConf",
            key + "=... for --sink=mongo (uri, database and collection are required)",
            null);
      }
    }
    if (!resolved.startsWith("mongodb://") && !resolved.startsWith("mongodb+srv://")) {
      throw new InvalidOptionException("--writerConf uri", "a mongodb:// or mongodb+srv:// URI", resolved);
    }
    return new MongoTarget(new MongoConnection(uri, conf), conf.get("database"), conf.get("collection"),
        batchSize(conf.getOrDefault("batchSize", String.valueOf(DEFAULT_BATCH_SIZE))),
        retryBudgetMillis);
  }

  /** Documents per bulk write ({@code --writerConf batchSize=}). */
  private static int batchSize(String v) {
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

  /** The URI as given, secret references unread. */
  public String uri() {
    return connection.uri();
  }

  public MongoConnection connection() {
    return connection;
  }

  public String database() {
    return database;
  }

  public String collection() {
    return collection;
  }

  public int batchSize() {
    return batchSize;
  }

  /** How long a failing bulk write is retried, with back-off, before the job fails. */
  public long retryBudgetMillis() {
    return retryBudgetMillis;
  }

  /** The same database and settings, another collection. */
  public MongoTarget withCollection(String name) {
    return new MongoTarget(connection, database, name, batchSize, retryBudgetMillis);
  }

  @Override
  public String toString() {
    return connection + " " + database + "." + collection;
  }
}
