package io.aggregator.peers.sparksql;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.window;

import io.aggregator.peers.ResultSummary;
import java.sql.Timestamp;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;

/**
 * The benchmark's query ({@code interactions_per_item_5m.sql}) the way the PySpark aggregator
 * module runs it on Spark Structured Streaming 3.5: a Kafka stream, {@code get_json_object} per
 * field, {@code withWatermark} 20 minutes (the product's {@code --allowLateFor} default), a
 * 5-minute window group-by in complete mode, on {@code local[2]}. {@code Trigger.AvailableNow}
 * reads what the topic holds at start and stops; the result (the memory sink's last complete
 * table) is summarised ({@link ResultSummary}) for the benchmark to check.
 *
 * <p>{@code StructuredStreamingPeer --bootstrapServers=h:p --topic=t [--shufflePartitions=200]};
 * prints the result line and {@code peer: N events, X s}.
 */
public final class StructuredStreamingPeer {

  private StructuredStreamingPeer() {}

  public static void main(String[] args) throws Exception {
    String servers = option(args, "bootstrapServers", null);
    String topic = option(args, "topic", null);
    // Spark's default is 200; the benchmark also runs 2, one per core.
    String shufflePartitions = option(args, "shufflePartitions", "200");
    long start = System.nanoTime();
    SparkSession spark = SparkSession.builder()
        .appName("structured-streaming-peer")
        .master("local[2]")
        .config("spark.sql.shuffle.partitions", shufflePartitions)
        .config("spark.ui.enabled", "false")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    Dataset<Row> json = spark.readStream()
        .format("kafka")
        .option("kafka.bootstrap.servers", servers)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
        .selectExpr("CAST(value AS STRING) AS json");
    Dataset<Row> counts = json
        .select(
            get_json_object(col("json"), "$.item_id").alias("item_id"),
            get_json_object(col("json"), "$.interaction_type").alias("interaction_type"),
            get_json_object(col("json"), "$.timestamp").cast("timestamp").alias("timestamp"))
        .withWatermark("timestamp", "20 minutes")
        .groupBy(window(col("timestamp"), "5 minutes"), col("item_id"), col("interaction_type"))
        .count();
    StreamingQuery query = counts.writeStream()
        .outputMode("complete")
        .format("memory")
        .queryName("interactions_per_item_5m")
        .trigger(Trigger.AvailableNow())
        .start();
    query.awaitTermination();
    ResultSummary summary = new ResultSummary();
    for (Row r : spark.sql(
            "SELECT item_id, interaction_type, window.start, count FROM interactions_per_item_5m")
        .collectAsList()) {
      summary.addRow(r.getString(0), r.getString(1), ((Timestamp) r.get(2)).getTime(), r.getLong(3));
    }
    spark.stop();
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.println(summary.line());
    System.out.printf(Locale.ROOT, "peer: %d events, %.3f s%n", summary.events(), seconds);
  }

  static String option(String[] args, String name, String otherwise) {
    for (String a : args) {
      if (a.startsWith("--" + name + "=")) {
        return a.substring(name.length() + 3);
      }
    }
    if (otherwise == null) {
      throw new IllegalArgumentException("--" + name + "=... is required");
    }
    return otherwise;
  }
}
