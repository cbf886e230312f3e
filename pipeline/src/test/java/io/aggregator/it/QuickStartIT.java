package io.aggregator.it;

import static org.junit.Assert.assertEquals;

import io.aggregator.quickstart.QuickStart;
import org.junit.Test;

/**
 * The quick start, bounded: in-process Kafka and MongoDB-wire servers, live events, the default
 * SQL file. Its exit status is 0 only when the collection holds documents at the end.
 */
public class QuickStartIT {

  @Test
  public void writesDocuments() throws Exception {
    String sql = ShippedFilesIT.sqlFile("interactions_per_item_5m.sql").toString();
    assertEquals(0, QuickStart.run(new String[] {"--seconds=12", "--rate=500", "--show=2", "--sqlFile=" + sql}));
  }
}
