package io.aggregator.options;

import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;

/**
 * Every option of the job (README, "Options"). Values are checked and turned into typed settings by {@link
 * JobSettings#from}; this interface only declares them, so that {@code --help} and every runner see
 * one list.
 *
 * <p>The repeatable {@code key=value} options are collected verbatim by {@link CommandLine} before
 * Beam parses the rest: Beam splits list values at commas, which would cut a replica-set URI such
 * as {@code mongodb://a:27017,b:27017/} in pieces.
 */
public interface AggregatorOptions extends PipelineOptions {

  @Description("Kafka bootstrap servers, host:port[,host:port...].")
  @Default.String("localhost:9092")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description("Kafka topic holding the JSON events.")
  @Default.String("user.interactions")
  String getTopic();

  void setTopic(String value);

  @Description("The aggregation SQL file (Beam SQL over table SOURCE; see the README's SQL guide).")
  @Validation.Required
  String getSqlFile();

  void setSqlFile(String value);

  @Description(
      "Columns of table SOURCE: alias=$.json.path or alias:TYPE=$.json.path, repeatable. TYPE is one"
          + " of STRING (default), BIGINT, INTEGER, DOUBLE, BOOLEAN, TIMESTAMP."
          + " timestamp=$.timestamp is always included.")
  List<String> getJsonFieldsMap();

  void setJsonFieldsMap(List<String> value);

  @Description("How often results are emitted: '5 seconds', '1 minute' or ISO-8601 'PT5S'.")
  @Default.String("5 seconds")
  String getBatchInterval();

  void setBatchInterval(String value);

  @Description(
      "Late-data threshold: the watermark lags the event time seen by this much; events for"
          + " windows it has closed are dropped and counted. '20 minutes' or 'PT20M'.")
  @Default.String("20 minutes")
  String getAllowLateFor();

  void setAllowLateFor(String value);

  @Description(
      "complete: the whole current result every batch interval; update: the changed groups every"
          + " batch interval; append: each window once, when it closes.")
  @Default.String("complete")
  String getWriteMethod();

  void setWriteMethod(String value);

  @Description("Where results go: mongo or console.")
  @Default.String("mongo")
  String getSink();

  void setSink(String value);

  @Description(
      "MongoDB writer settings, key=value, repeatable: uri=mongodb://..., database=..., collection=...,"
          + " batchSize=... (required for --sink=mongo). The PySpark keys spark.mongodb.* are accepted.")
  List<String> getWriterConf();

  void setWriterConf(List<String> value);

  @Description(
      "Extra Kafka consumer properties, key=value, repeatable (startingOffsets=earliest|latest is"
          + " accepted as auto.offset.reset).")
  List<String> getKafkaConf();

  void setKafkaConf(List<String> value);

  /**
   * {@code --checkpointDir}, held under another name: the Spark runner has a {@code
   * checkpointDir} of its own ({@link CommandLine#beamName}).
   */
  @Description(
      "(given as --checkpointDir) Base directory for runner checkpoints; the job uses"
          + " <checkpointDir>/<query id>.")
  @Default.String("/tmp/checkpoint")
  String getCheckpointBaseDir();

  void setCheckpointBaseDir(String value);

  @Description(
      "Bounded replay: read up to the end offsets that exist at start, then finish, flushing every"
          + " window.")
  @Default.Boolean(false)
  boolean getReadUntilLatest();

  void setReadUntilLatest(boolean value);

  @Description(
      "Start a query that aggregates over all time (or has a for_each_batch block) although"
          + " events it needs are gone from the topic (deleted by retention, or skipped by"
          + " startingOffsets=latest): its results then reflect only what is left. Stored documents"
          + " that reflect more events are still never overwritten by smaller results.")
  @Default.Boolean(false)
  boolean getAcceptPartialBackfill();

  void setAcceptPartialBackfill(boolean value);

  @Description(
      "How far ahead of the processing clock an event time may be: later ones (a producer's clock"
          + " or unit gone wrong) are rejected as FUTURE_TIMESTAMP and never move the watermark."
          + " Keep it under --allowLateFor, so that one such event cannot make on-time events late."
          + " '5 minutes' or 'PT5M'.")
  @Default.String("5 minutes")
  String getMaxEventTimeSkew();

  void setMaxEventTimeSkew(String value);

  @Description(
      "Unbounded jobs: a partition that delivers no message for this long stops holding the"
          + " watermark back, so that windows still close; its watermark follows the other"
          + " partitions (never past the clock minus this timeout) until it delivers again."
          + " '0' keeps every partition holding it for ever. '1 minute' or 'PT1M'.")
  @Default.String("1 minute")
  String getIdleTimeout();

  void setIdleTimeout(String value);

  @Description(
      "Serve the results page (README, \"Results page\"): the collection as a table and a chart,"
          + " the job's counters, watermark and latest rejects, updating live. 'off' (default),"
          + " a port ('8090': on 127.0.0.1; '0': any free port) or host:port to listen elsewhere"
          + " than loopback. Needs --sink=mongo.")
  @Default.String("off")
  String getResultsPage();

  void setResultsPage(String value);

  @Description(
      "Unbounded jobs: how often the topic is asked for partitions added while the job runs;"
          + " new ones are read from their first offset (on Flink and Spark the launcher restarts"
          + " the job to read them). '1 minute'.")
  @Default.String("1 minute")
  String getPartitionDiscoveryInterval();

  void setPartitionDiscoveryInterval(String value);

  @Description(
      "Nested files whose second query spans the first query's windows: how far behind the newest"
          + " window a window's rows stay in table AGGREGATED; older windows leave it, so memory"
          + " stays bounded. Longer than the window plus --allowLateFor. '6 hours' or 'PT6H'.")
  @Default.String("6 hours")
  String getAggregatedRetention();

  void setAggregatedRetention(String value);

  @Description(
      "How long an unreachable MongoDB or Kafka is retried, with back-off, before the job fails"
          + " with the cause: '2 minutes' or 'PT2M'. Nothing is dropped meanwhile; the job waits.")
  @Default.String("2 minutes")
  String getRetryBudget();

  void setRetryBudget(String value);

  @Description("Spark settings key=value, repeatable; passed to the Spark runner.")
  List<String> getSparkConf();

  void setSparkConf(List<String> value);
}
