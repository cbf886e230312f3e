package io.aggregator.sink;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.aggregator.options.SecretReferences;
import io.aggregator.options.Secrets;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * How to reach MongoDB: the URI (user, password and {@code tls=true} in it, as the PySpark
 * module's {@code spark.mongodb.*.uri}) and, for a server whose certificate the JVM does not
 * trust, a trust store ({@code --writerConf tlsTrustStore=}, {@code tlsTrustStorePassword=},
 * {@code tlsTrustStoreType=}, as Kafka's {@code ssl.truststore.*}).
 *
 * <p>Secrets stay as given, references included, and are read in {@link #connect}, in the
 * process that connects: a serialised writer carries {@code ${file:...}}, never the password
 * (README, "Security").
 */
public final class MongoConnection implements Serializable {

  /** {@code --writerConf} keys of the trust store. */
  public static final String TRUST_STORE = "tlsTrustStore";

  public static final String TRUST_STORE_PASSWORD = "tlsTrustStorePassword";
  public static final String TRUST_STORE_TYPE = "tlsTrustStoreType";

  private final String uri;
  private final @Nullable String trustStore;
  private final @Nullable String trustStorePassword;
  private final String trustStoreType;

  MongoConnection(String uri, Map<String, String> conf) {
    this.uri = uri;
    this.trustStore = conf.get(TRUST_STORE);
    this.trustStorePassword = conf.get(TRUST_STORE_PASSWORD);
    this.trustStoreType = conf.getOrDefault(TRUST_STORE_TYPE, "PKCS12");
  }

  /** The URI as given: a reference stays one. */
  public String uri() {
    return uri;
  }

  /**
   * A client, its server selection bounded by {@code serverSelectionMillis} unless the URI sets
   * it. Exceptions come out masked: a driver's message may quote the connection string.
   */
  public MongoClient connect(long serverSelectionMillis) {
    try {
      String resolved = SecretReferences.resolve(uri);
      MongoClientSettings.Builder settings =
          MongoClientSettings.builder().applyConnectionString(new ConnectionString(resolved));
      if (!resolved.contains("serverSelectionTimeoutMS")) {
        settings.applyToClusterSettings(
            c -> c.serverSelectionTimeout(serverSelectionMillis, TimeUnit.MILLISECONDS));
      }
      if (trustStore != null) {
        SSLContext context = sslContext();
        settings.applyToSslSettings(s -> s.enabled(true).context(context));
      }
      return MongoClients.create(settings.build());
    } catch (RuntimeException e) {
      throw Secrets.masked(e);
    }
  }

  private SSLContext sslContext() {
    String path = SecretReferences.resolve(trustStore);
    try (InputStream in = Files.newInputStream(Path.of(path))) {
      KeyStore store = KeyStore.getInstance(trustStoreType);
      char[] password =
          trustStorePassword == null ? null : SecretReferences.resolve(trustStorePassword).toCharArray();
      store.load(in, password);
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "--writerConf " + TRUST_STORE + "=" + trustStore + " cannot be used as a "
              + trustStoreType + " trust store: " + Secrets.mask(String.valueOf(e.getMessage())));
    }
  }

  @Override
  public String toString() {
    return Secrets.mask(uri);
  }
}
