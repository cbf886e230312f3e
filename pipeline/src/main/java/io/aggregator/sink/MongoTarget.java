package io.aggregator.sink;

import io.aggregator.options.Secrets;
import java.io.Serializable;

/** A MongoDB collection to write to, and how many documents go in one bulk write. */
public final class MongoTarget implements Serializable {

  private final String uri;
  private final String database;
  private final String collection;
  private final int batchSize;

  public MongoTarget(String uri, String database, String collection, int batchSize) {
    this.uri = uri;
    this.database = database;
    this.collection = collection;
    this.batchSize = batchSize;
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

  /** The same database and settings, another collection. */
  public MongoTarget withCollection(String name) {
    return new MongoTarget(uri, database, name, batchSize);
  }

  @Override
  public String toString() {
    return Secrets.mask(uri) + " " + database + "." + collection;
  }
}
