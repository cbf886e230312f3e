package io.aggregator.embedded;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A MongoDB wire-protocol server (mongo-java-server, in memory) in this JVM on a free loopback
 * port: real sockets and the real driver, no mongod (none is obtainable here). It can be stopped
 * and started again on the same port; like a mongod's data files, its data survive a stop.
 */
public final class EmbeddedMongo implements AutoCloseable {

  /**
   * The server version told to clients: MongoDB 4.0 (wire version 7), the oldest the 5.x driver
   * accepts. The Spark build's mongo-java-server (1.45, the last on Spark's Netty 4.1) says 3.6 by
   * default, and the driver refuses it.
   */
  static final MongoVersion REPORTED_VERSION =
      new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
          return List.of(4, 0, 0);
        }

        @Override
        public int getWireVersion() {
          return 7;
        }
      };

  private final int port;
  private final MemoryBackend data = new MemoryBackend();
  private final TlsFiles tls;
  private MongoServer server;

  private EmbeddedMongo(int port, TlsFiles tls) {
    this.port = port;
    this.tls = tls;
    data.version(REPORTED_VERSION);
  }

  /** Starts a server on a free port (about 0.1 s). */
  public static EmbeddedMongo start() {
    EmbeddedMongo mongo = new EmbeddedMongo(FreePorts.next(), null);
    mongo.startServer();
    return mongo;
  }

  /**
   * Starts a server that speaks TLS only, with {@code tls}'s certificate. mongo-java-server has no
   * authentication: a client's credentials are not checked.
   */
  public static EmbeddedMongo startWithTls(TlsFiles tls) {
    EmbeddedMongo mongo = new EmbeddedMongo(FreePorts.next(), tls);
    mongo.startServer();
    return mongo;
  }

  private void startServer() {
    server = new MongoServer(keptOnShutdown(data));
    if (tls != null) {
      try {
        server.enableSsl(tls.privateKey(), tls.password(), tls.certificate());
      } catch (Exception e) {
        throw new IllegalStateException("cannot load the server's key", e);
      }
    }
    server.bind(new InetSocketAddress("127.0.0.1", port));
  }

  /**
   * The backend as the server sees it, minus {@code close()}: a server's shutdown closes its
   * backend, which would drop the data a restarted server must find again.
   */
  private static MongoBackend keptOnShutdown(MongoBackend backend) {
    return (MongoBackend)
        Proxy.newProxyInstance(
            MongoBackend.class.getClassLoader(),
            new Class<?>[] {MongoBackend.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close") && method.getParameterCount() == 0) {
                return null;
              }
              try {
                return method.invoke(backend, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** {@code mongodb://127.0.0.1:port}, with {@code ?tls=true} for a TLS server. */
  public String uri() {
    return "mongodb://127.0.0.1:" + port + (tls == null ? "" : "/?tls=true");
  }

  /** Stops listening and drops every connection, as a stopped mongod would; the data stay. */
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
    data.close();
  }
}
