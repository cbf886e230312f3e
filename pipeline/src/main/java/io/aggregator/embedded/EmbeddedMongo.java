package io.aggregator.embedded;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;

/**
 * A MongoDB wire-protocol server (mongo-java-server, in memory) in this JVM on a free loopback
 * port: real sockets and the real driver, no mongod (none is obtainable here). It can be stopped
 * and started again on the same port; its data do not survive a stop.
 */
public final class EmbeddedMongo implements AutoCloseable {

  private final int port;
  private MongoServer server;

  private EmbeddedMongo(int port) {
    this.port = port;
  }

  /** Starts a server on a free port (about 0.1 s). */
  public static EmbeddedMongo start() {
    EmbeddedMongo mongo = new EmbeddedMongo(FreePorts.next());
    mongo.startServer();
    return mongo;
  }

  private void startServer() {
    server = new MongoServer(new MemoryBackend());
    server.bind(new InetSocketAddress("127.0.0.1", port));
  }

  /** {@code mongodb://127.0.0.1:port}. */
  public String uri() {
    return "mongodb://127.0.0.1:" + port;
  }

  public void stop() {
    if (server != null) {
      server.shutdownNow();
      server = null;
    }
  }

  public void restart() {
    stop();
    startServer();
  }

  @Override
  public void close() {
    stop();
  }
}
