package io.aggregator.peers.flinksql;

import io.aggregator.peers.ResultSummary;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * The benchmark's query ({@code interactions_per_item_5m.sql}) as native Flink SQL 1.19: a Kafka
 * table in JSON format with a watermark 20 minutes behind the event time (the product's
 * {@code --allowLateFor} default), a TUMBLE window TVF, parallelism 2 on the local mini-cluster,
 * read from the earliest to the latest offsets found at start, its rows collected to this
 * process and summarised ({@link ResultSummary}) for the benchmark to check.
 *
 * <p>{@code FlinkSqlPeer --bootstrapServers=h:p --topic=t}; prints the result line and {@code
 * peer: N events, X s}.
 */
public final class FlinkSqlPeer {

  private FlinkSqlPeer() {}

  public static void main(String[] args) throws Exception {
    String servers = option(args, "bootstrapServers");
    String topic = option(args, "topic");
    long start = System.nanoTime();
    TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
    env.getConfig().set("parallelism.default", "2");
    env.executeSql(
        "CREATE TABLE events ("
            + " user_id STRING, item_id STRING, interaction_type STRING,"
            + " `timestamp` TIMESTAMP_LTZ(3),"
            + " WATERMARK FOR `timestamp` AS `timestamp` - INTERVAL '20' MINUTE"
            + ") WITH ("
            + " 'connector' = 'kafka', 'topic' = '" + topic + "',"
            + " 'properties.bootstrap.servers' = '" + servers + "',"
            + " 'properties.group.id' = 'flink-sql-peer',"
            + " 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',"
            + " 'format' = 'json', 'json.timestamp-format.standard' = 'ISO-8601',"
            + " 'json.ignore-parse-errors' = 'true')");
    ResultSummary summary = new ResultSummary();
    try (CloseableIterator<Row> rows =
        env.executeSql(
                "SELECT item_id, interaction_type, window_start, COUNT(*) AS interaction_count"
                    + " FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(`timestamp`), INTERVAL '5' MINUTE))"
                    + " GROUP BY item_id, interaction_type, window_start, window_end")
            .collect()) {
      while (rows.hasNext()) {
        Row r = rows.next();
        // window_start of a TIMESTAMP_LTZ column is a TIMESTAMP_LTZ: an Instant.
        Object ws = r.getField(2);
        long startMillis = ws instanceof Instant i
            ? i.toEpochMilli()
            : ((LocalDateTime) ws).toInstant(ZoneOffset.UTC).toEpochMilli();
        summary.addRow((String) r.getField(0), (String) r.getField(1), startMillis, (Long) r.getField(3));
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.println(summary.line());
    System.out.printf(Locale.ROOT, "peer: %d events, %.3f s%n", summary.events(), seconds);
  }

  static String option(String[] args, String name) {
    for (String a : args) {
      if (a.startsWith("--" + name + "=")) {
        return a.substring(name.length() + 3);
      }
    }
    throw new IllegalArgumentException("--" + name + "=... is required");
  }
}
