package io.aggregator.sink;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.aggregator.options.CommandLine;
import io.aggregator.options.JobSettings;
import org.junit.Test;

/** {@code --writerConf} as the Mongo sink reads it: our keys, the PySpark module's, and errors. */
public class MongoTargetTest {

  static MongoTarget target(String... args) {
    JobSettings s = JobSettings.from(CommandLine.parse(args));
    return MongoTarget.fromWriterConf(s.writerConf(), s.retryBudget().getMillis());
  }

  static String error(String... args) {
    return assertThrows(IllegalArgumentException.class, () -> target(args)).getMessage();
  }

  @Test
  public void pysparkWriterKeys() {
    MongoTarget t = target("--sql-file", "x.sql",
        "--writer-conf", "spark.mongodb.connection.uri=mongodb://u:p@m:27017",
        "spark.mongodb.database=d", "spark.mongodb.collection=c");
    assertEquals("mongodb://u:p@m:27017", t.uri());
    assertEquals("d", t.database());
    assertEquals("c", t.collection());
    assertEquals(MongoTarget.DEFAULT_BATCH_SIZE, t.batchSize());
  }

  @Test
  public void repeatedAndMultiValueFlagsKeepCommas() {
    MongoTarget t = target("--sqlFile=x.sql",
        "--writerConf=uri=mongodb://a:1,b:2/?replicaSet=rs", "--writerConf", "database=d", "collection=c");
    assertEquals("mongodb://a:1,b:2/?replicaSet=rs", t.uri());
    assertEquals("c", t.collection());
  }

  @Test
  public void outputUriNamesDatabaseAndCollection() {
    MongoTarget t = target("--sqlFile=x.sql", "--writer-conf", "spark.mongodb.output.uri=mongodb://h:27017/db.coll");
    assertEquals("db", t.database());
    assertEquals("coll", t.collection());
  }

  @Test
  public void everyBadValueNamesItsSetting() {
    assertThat(error("--sqlFile=x"), containsString("--writerConf"));
    assertThat(error("--sqlFile=x", "--writerConf=uri=http://x", "--writerConf=database=d", "--writerConf=collection=c"),
        containsString("mongodb://"));
    assertThat(error("--sqlFile=x", "--writerConf=uri=mongodb://h", "--writerConf=database=d",
        "--writerConf=collection=c", "--writerConf=batchSize=0"), containsString("batchSize"));
  }

  @Test
  public void errorsMaskPasswords() {
    String e = error("--sqlFile=x", "--writerConf=uri=http://user:hunter2@h", "--writerConf=database=d", "--writerConf=collection=c");
    assertThat(e, not(containsString("hunter2")));
    assertThat(target("--sqlFile=x", "--writerConf=uri=mongodb://user:hunter2@h", "--writerConf=database=d",
        "--writerConf=collection=c").toString(), not(containsString("hunter2")));
  }
}
