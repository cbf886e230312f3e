package io.aggregator.options;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.aggregator.events.FieldType;
import io.aggregator.events.JsonField;
import java.util.List;
import java.util.Map;
import org.joda.time.Duration;
import org.junit.Test;

public class CommandLineTest {

  static JobSettings settings(String... args) {
    return JobSettings.from(CommandLine.parse(args));
  }

  static String error(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> settings(args)).getMessage();
  }

  @Test
  public void beamStyleWithDefaults() {
    JobSettings s = settings("--sqlFile=x.sql", "--sink=console");
    assertEquals("localhost:9092", s.bootstrapServers());
    assertEquals("user.interactions", s.topic());
    assertEquals(Duration.standardSeconds(5), s.batchInterval());
    assertEquals(Duration.standardMinutes(20), s.allowLateFor());
    assertEquals(WriteMethod.COMPLETE, s.writeMethod());
    assertEquals("/tmp/checkpoint", s.checkpointDir());
    assertFalse(s.readUntilLatest());
    assertEquals(List.of(JsonField.of("timestamp", FieldType.TIMESTAMP, "$.timestamp")), s.fields());
  }

  /** The PySpark module's command line, as its users type it, word for word. */
  @Test
  public void pysparkStyleCommandLine() {
    JobSettings s = settings(
        "--bootstrap-servers", "kafka:9092", "--topic", "t",
        "--batch-interval", "5 seconds",
        "--kafka-conf", "startingOffsets=earliest",
        "--checkpoint-dir", "/tmp/c",
        "--json-fields-map", "user_id=$.user_id", "item_id=$.item_id",
        "--sql-file", "sql_files/x.sql",
        "--writer-conf", "spark.mongodb.connection.uri=mongodb://u:p@m:27017",
        "spark.mongodb.database=d", "spark.mongodb.collection=c",
        "--allow-late-for", "20 minutes",
        "--write-method", "complete",
        "--spark-conf", "spark.sql.shuffle.partitions=2");
    assertEquals("kafka:9092", s.bootstrapServers());
    assertEquals("t", s.topic());
    assertEquals("sql_files/x.sql", s.sqlFile());
    assertEquals("/tmp/c", s.checkpointDir());
    assertEquals(Map.of("auto.offset.reset", "earliest"), s.kafkaConf());
    assertEquals(Map.of("spark.mongodb.connection.uri", "mongodb://u:p@m:27017",
        "spark.mongodb.database", "d", "spark.mongodb.collection", "c"), s.writerConf());
    assertEquals(Map.of("spark.sql.shuffle.partitions", "2"), s.sparkConf());
    assertEquals(
        List.of("user_id", "item_id", "timestamp"),
        s.fields().stream().map(JsonField::alias).toList());
  }

  @Test
  public void repeatedAndMultiValueFlagsKeepCommas() {
    JobSettings s = settings("--sqlFile=x.sql",
        "--writerConf=uri=mongodb://a:1,b:2/?replicaSet=rs", "--writerConf", "database=d", "collection=c",
        "--kafkaConf=kafka.security.protocol=SSL");
    assertEquals("mongodb://a:1,b:2/?replicaSet=rs", s.writerConf().get("uri"));
    assertEquals("c", s.writerConf().get("collection"));
    assertEquals(Map.of("security.protocol", "SSL"), s.kafkaConf());
  }

  @Test
  public void typedFieldsAndBooleanFlags() {
    JobSettings s = settings("--sqlFile=x.sql", "--sink=console", "--readUntilLatest",
        "--jsonFieldsMap=n:BIGINT=$.a.b[2]", "--jsonFieldsMap=timestamp=$.meta.ts");
    assertTrue(s.readUntilLatest());
    assertEquals(FieldType.BIGINT, s.fields().get(0).type());
    assertEquals(JsonField.of("timestamp", FieldType.TIMESTAMP, "$.meta.ts"), s.fields().get(1));
  }

  @Test
  public void everyBadValueNamesItsOption() {
    assertThat(error("--sink=console"), containsString("--sqlFile"));
    assertThat(error("--sqlFile=x", "--sink=console", "--batchInterval=soon"), containsString("--batchInterval"));
    assertThat(error("--sqlFile=x", "--sink=console", "--batchInterval=0 seconds"), containsString("above zero"));
    assertThat(error("--sqlFile=x", "--sink=console", "--allowLateFor=-PT5S"), containsString("--allowLateFor"));
    assertThat(error("--sqlFile=x", "--sink=console", "--writeMethod=upsert"), containsString("complete, update or append"));
    assertThat(error("--sqlFile=x", "--sink=kafka"), containsString("mongo or console"));
    assertThat(error("--sqlFile=x", "--sink=console", "--jsonFieldsMap=a:MONEY=$.a"), containsString("--jsonFieldsMap"));
    assertThat(error("--sqlFile=x", "--sink=console", "--jsonFieldsMap=a=b"), containsString("--jsonFieldsMap"));
    assertThat(error("--sqlFile=x", "--sink=console", "--jsonFieldsMap=a=$.x", "--jsonFieldsMap=b=$.x.y"),
        containsString("overlaps"));
    assertThat(error("--sqlFile=x", "--sink=console", "--jsonFieldsMap=timestamp:STRING=$.t"), containsString("TIMESTAMP"));
    assertThat(error("--sqlFile=x", "--sink=console", "--kafkaConf=startingOffsets=middle"), containsString("startingOffsets"));
    assertThat(error("--sqlFile=x", "--sink=console", "--kafkaConf=novalue"), containsString("key=value"));
    assertThat(error("--sqlFile=x", "--sink=console", "--sparkConf=shuffle.partitions=2"), containsString("--sparkConf"));
    assertThat(error("--sqlFile=x", "--sink=console", "--bogus=1"), containsString("bogus"));
    assertThat(error("--sqlFile=x", "stray"), containsString("stray"));
  }

  @Test
  public void errorsAndDescriptionsMaskPasswords() {
    JobSettings s = settings("--sqlFile=x", "--writerConf=uri=mongodb://user:hunter2@h", "--writerConf=database=d",
        "--writerConf=collection=c", "--kafkaConf=sasl.jaas.config=x required password=\"s3cret\";",
        "--kafkaConf=ssl.truststore.password=abc");
    String d = s.describe();
    assertThat(d, containsString("mongodb://user:***@h"));
    assertThat(d, not(containsString("hunter2")));
    assertThat(d, not(containsString("s3cret")));
    assertThat(d, not(containsString("abc")));
  }

  /** The results page listens on loopback unless a host is named, and only over MongoDB results. */
  @Test
  public void resultsPageAddress() {
    assertEquals(null, settings("--sqlFile=x", "--sink=console").resultsPage());
    assertEquals(null, settings("--sqlFile=x", "--resultsPage=off").resultsPage());
    PageAddress port = settings("--sqlFile=x", "--resultsPage=8090").resultsPage();
    assertEquals(PageAddress.LOOPBACK + ":8090", port.host() + ":" + port.port());
    PageAddress given = settings("--sqlFile=x", "--resultsPage=0.0.0.0:0").resultsPage();
    assertEquals("0.0.0.0:0", given.host() + ":" + given.port());
    assertThat(error("--sqlFile=x", "--resultsPage=on"), containsString("--resultsPage"));
    assertThat(error("--sqlFile=x", "--resultsPage=70000"), containsString("--resultsPage"));
    assertThat(error("--sqlFile=x", "--sink=console", "--resultsPage=8090"), containsString("--sink=mongo"));
  }

  @Test
  public void helpIsRecognised() {
    assertTrue(CommandLine.wantsHelp(new String[] {"--sqlFile=x", "--help"}));
    assertFalse(CommandLine.wantsHelp(new String[] {"--sqlFile=x"}));
  }

  @Test
  public void durationsInBothForms() {
    assertEquals(Duration.standardSeconds(5), Durations.parse("--x", "5 seconds"));
    assertEquals(Duration.standardSeconds(1), Durations.parse("--x", "1 second"));
    assertEquals(Duration.standardMinutes(20), Durations.parse("--x", "20 minutes"));
    assertEquals(Duration.standardHours(1), Durations.parse("--x", "1 hour"));
    assertEquals(Duration.standardDays(2), Durations.parse("--x", "2 days"));
    assertEquals(Duration.millis(500), Durations.parse("--x", "500 milliseconds"));
    assertEquals(Duration.millis(1500), Durations.parse("--x", "1.5 seconds"));
    assertEquals(Duration.standardSeconds(5), Durations.parse("--x", "PT5S"));
    assertEquals(Duration.standardMinutes(90), Durations.parse("--x", "pt1h30m"));
    assertEquals(Duration.ZERO, Durations.parse("--x", "0 seconds"));
    for (String bad : new String[] {"", "five seconds", "5 fortnights", "5", "P", "-5 seconds"}) {
      assertThrows(bad, InvalidOptionException.class, () -> Durations.parse("--x", bad));
    }
    assertEquals("20 minutes", Durations.format(Duration.standardMinutes(20)));
    assertEquals("1 hour", Durations.format(Duration.standardHours(1)));
    assertEquals("5 seconds", Durations.format(Duration.standardSeconds(5)));
  }

  @Test
  public void secretsAreMasked() {
    assertEquals("mongodb://u:***@h:1/db", Secrets.mask("mongodb://u:p4ss@h:1/db"));
    assertEquals("mongodb://h:1/db", Secrets.mask("mongodb://h:1/db"));
    assertEquals("ssl.key.password=***", Secrets.mask("ssl.key.password=abc"));
    assertThat(Secrets.mask("x required username=\"a\" password=\"b c\";"), not(containsString("b c")));
    assertTrue(Secrets.isSecretKey("sasl.jaas.config"));
    assertFalse(Secrets.isSecretKey("bootstrap.servers"));
  }
}
