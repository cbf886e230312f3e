package io.aggregator.sink;

import static org.junit.Assert.assertEquals;

import java.util.UUID;
import org.junit.Test;

public class GivenUpServersTest {

  static final long BUDGET = 3_000;

  /** A server of this test alone: the record is shared by the whole JVM. */
  static String server() {
    return "mongodb://127.0.0.1:9/" + UUID.randomUUID();
  }

  @Test
  public void afterAWriteGaveUpTheOthersFailForOneBudget() {
    String uri = server();
    assertEquals("nothing given up yet", -1, GivenUpServers.recentlyGivenUp(uri, BUDGET, 1_000));
    GivenUpServers.gaveUp(uri, 10_000);
    assertEquals(0, GivenUpServers.recentlyGivenUp(uri, BUDGET, 10_000));
    assertEquals(2_999, GivenUpServers.recentlyGivenUp(uri, BUDGET, 12_999));
    assertEquals("a budget later the server is tried again", -1,
        GivenUpServers.recentlyGivenUp(uri, BUDGET, 13_000));
    assertEquals("other servers are not affected", -1,
        GivenUpServers.recentlyGivenUp(server(), BUDGET, 10_000));
  }

  @Test
  public void aSuccessfulWriteClearsTheRecord() {
    String uri = server();
    GivenUpServers.gaveUp(uri, 10_000);
    GivenUpServers.reached(uri);
    assertEquals(-1, GivenUpServers.recentlyGivenUp(uri, BUDGET, 10_001));
  }
}
