package io.aggregator.sink;

import io.aggregator.options.Secrets;
import java.io.Serializable;

/**
 * A MongoDB collection to write to, how many documents go in one bulk write, and how long an
 * unreachable server is retried before the job fails.
 */
public final class MongoTarget implements Serializable {

  private final String uri;
  private final String database;
  private final String collection;
  private final int batchSize;
  private final long retryBudgetMillis;

  public MongoTarget(
      String uri, String database, String collection, int batchSize, long retryBudgetMillis) {
    this.uri = uri;
    this.database = database;
    this.collection = collection;
    this.batchSize = batchSize;
    this.retryBudgetMillis = retryBudgetMillis;
  }

  public String uri() {
    return uri;
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
    return new MongoTarget(uri, database, name, batchSize, retryBudgetMillis);
  }

  @Override
  public String toString() {
    return Secrets.mask(uri) + " " + database + "." + collection;
  }
}
