package io.aggregator.quickstart;

import static org.junit.Assert.assertEquals;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.Test;

/** The quick start's page takes its port when free and any free one when another program has it. */
public class PagePortTest {

  @Test
  public void aTakenPortGivesWayToAnyFreeOne() throws Exception {
    int port;
    try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = other.getLocalPort();
      assertEquals("taken: any free port", 0, QuickStart.pagePort(port));
    }
    assertEquals("free again: its own", port, QuickStart.pagePort(port));
  }
}
