package io.aggregator.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed key and certificate for {@code 127.0.0.1} and {@code localhost}, made with the
 * JDK's {@code keytool} as an operator would: a PKCS12 key store for a server and a PKCS12 trust
 * store holding its certificate for the clients, both under one random password.
 */
public final class TlsFiles {

  private static final String ALIAS = "server";

  private final Path keyStore;
  private final Path trustStore;
  private final String password;

  private TlsFiles(Path keyStore, Path trustStore, String password) {
    this.keyStore = keyStore;
    this.trustStore = trustStore;
    this.password = password;
  }

  /** Generates both stores in a new temporary directory (about 1 s: two keytool runs). */
  public static TlsFiles generate() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("aggregator-tls");
    String password = "store-" + UUID.randomUUID();
    Path keyStore = dir.resolve("server.p12");
    Path cert = dir.resolve("server.crt");
    Path trustStore = dir.resolve("truststore.p12");
    keytool("-genkeypair", "-alias", ALIAS, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password);
    keytool("-exportcert", "-alias", ALIAS, "-keystore", keyStore.toString(),
        "-storepass", password, "-file", cert.toString());
    keytool("-importcert", "-noprompt", "-alias", ALIAS, "-file", cert.toString(),
        "-storetype", "PKCS12", "-keystore", trustStore.toString(), "-storepass", password);
    return new TlsFiles(keyStore, trustStore, password);
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException("keytool " + args[0] + " failed: " + output);
    }
  }

  /** The server's key and certificate (PKCS12). */
  public Path keyStore() {
    return keyStore;
  }

  /** The certificate, for clients (PKCS12). */
  public Path trustStore() {
    return trustStore;
  }

  /** The password of both stores and of the key. */
  public String password() {
    return password;
  }

  /** A client's TLS context that trusts this certificate only. */
  public SSLContext clientContext() throws IOException, GeneralSecurityException {
    KeyStore store = load(trustStore);
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  PrivateKey privateKey() throws IOException, GeneralSecurityException {
    return (PrivateKey) load(keyStore).getKey(ALIAS, password.toCharArray());
  }

  X509Certificate certificate() throws IOException, GeneralSecurityException {
    return (X509Certificate) load(keyStore).getCertificate(ALIAS);
  }

  private KeyStore load(Path file) throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, password.toCharArray());
    }
    return store;
  }
}
