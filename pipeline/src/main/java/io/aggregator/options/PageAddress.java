package io.aggregator.options;

import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where the results page listens ({@code --resultsPage}): loopback unless a host is given, since
 * the page shows the job's results and rejects to whoever can reach it.
 */
public final class PageAddress implements java.io.Serializable {

  public static final String OPTION = "--resultsPage";
  public static final String LOOPBACK = "127.0.0.1";

  private final String host;
  private final int port;

  private PageAddress(String host, int port) {
    this.host = host;
    this.port = port;
  }

  /** {@code off} → null; {@code 8090} → loopback:8090; {@code host:port} as given. */
  public static @Nullable PageAddress parse(@Nullable String value) {
    String v = value == null ? "off" : value.trim();
    if (v.isEmpty() || v.equalsIgnoreCase("off") || v.equalsIgnoreCase("false")) {
      return null;
    }
    int colon = v.lastIndexOf(':');
    String host = colon < 0 ? LOOPBACK : v.substring(0, colon);
    String port = colon < 0 ? v : v.substring(colon + 1);
    try {
      int p = Integer.parseInt(port);
      if (p < 0 || p > 65535 || host.isBlank()) {
        throw new NumberFormatException();
      }
      return new PageAddress(host, p);
    } catch (NumberFormatException e) {
      throw new InvalidOptionException(OPTION, "'off', a port (0 for any free one) or host:port", value);
    }
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }
}
