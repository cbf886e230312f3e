package io.aggregator.quickstart;

import static org.junit.Assert.assertEquals;

import java.nio.file.Path;
import org.junit.Test;

/**
 * The quick start, bounded: in-process Kafka and MongoDB-wire servers, live events, the default
 * SQL file. Its exit status is 0 only when the collection holds documents at the end.
 */
public class QuickStartIT {

  @Test
  public void writesDocuments() throws Exception {
    Path root = Path.of(System.getProperty("aggregator.repoRoot", ".."));
    String sql = root.resolve(QuickStart.DEFAULT_SQL_FILE).toString();
    assertEquals(0, QuickStart.run(new String[] {"--seconds=12", "--rate=500", "--show=2", "--sqlFile=" + sql}));
  }
}
