package io.aggregator.embedded;

import static org.junit.Assert.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/** The in-process broker the quick start and the integration tests run on. */
public class EmbeddedKafkaTest {

  /**
   * The quick start ends by closing its broker; a warning then reads like a fault of the job
   * (Kafka's NetworkClient logger is also the one that reports a user's unreachable broker).
   */
  @Test
  public void closesWithoutWarnings() throws Exception {
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    EmbeddedKafka kafka = EmbeddedKafka.start();
    try {
      kafka.createTopic("t", 2);
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    } finally {
      kafka.close();
      System.setErr(stderr);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertFalse(log, log.contains("already been closed"));
    assertFalse(log, log.contains(" WARN "));
  }
}
