package io.aggregator.options;

import java.util.Comparator;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets wherever options are printed or logged: the password of a URI's user info
 * ({@code mongodb://user:***@host}), the value of any setting whose key names a secret, and every
 * secret this process has read ({@link #remember}), wherever it appears (README, "Security").
 */
public final class Secrets {

  /** Shorter values are not remembered: masking them everywhere would garble every message. */
  static final int SHORTEST_REMEMBERED = 4;

  private static final Pattern URI_PASSWORD = Pattern.compile("(://[^:/@\\s]*:)[^@/\\s]*(@)");
  private static final Pattern SECRET_SETTING =
      Pattern.compile(
          "((?:password|passwd|secret|sasl\\.jaas\\.config|token|credential)[^=\\s]*=)(\\S*)",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern JAAS_PASSWORD =
      Pattern.compile("(password\\s*=\\s*)(\"[^\"]*\"|\\S+)", Pattern.CASE_INSENSITIVE);

  private static final Pattern REFERENCE_ONLY = Pattern.compile("\"?\\$\\{(env|file):[^}]+}\"?;?");

  private static final Set<String> REMEMBERED =
      new ConcurrentSkipListSet<>(Comparator.comparingInt(String::length).reversed()
          .thenComparing(Comparator.naturalOrder()));

  private Secrets() {}

  /** {@code text} with every password replaced by {@code ***}. */
  public static String mask(String text) {
    if (text == null) {
      return null;
    }
    String masked = text;
    for (String secret : REMEMBERED) { // longest first: a secret may contain a shorter one
      masked = masked.replace(secret, "***");
    }
    masked = URI_PASSWORD.matcher(masked).replaceAll("$1***$2");
    // A password that is only a reference names where the secret is, not what it is: kept.
    masked = JAAS_PASSWORD.matcher(masked).replaceAll(Secrets::keepReference);
    return SECRET_SETTING.matcher(masked).replaceAll(Secrets::keepReference);
  }

  /** A match of a secret (group 1 its key, group 2 its value) masked, unless it is a reference. */
  private static String keepReference(MatchResult m) {
    return Matcher.quoteReplacement(
        REFERENCE_ONLY.matcher(m.group(2)).matches() ? m.group() : m.group(1) + "***");
  }

  /** Whether a setting's key names a secret, so its whole value must never be shown. */
  public static boolean isSecretKey(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password")
        || k.contains("secret")
        || k.contains("jaas")
        || k.contains("token")
        || k.contains("credential");
  }

  /**
   * A setting as it may be shown: a secret key's value as {@code ***} unless it is only a
   * reference ({@code ${file:/run/secrets/x}} names where the secret is, not what it is).
   */
  public static String shown(String key, String value) {
    if (isSecretKey(key) && !SecretReferences.hasReference(value)) {
      return "***";
    }
    return mask(value);
  }

  /**
   * Remembers a secret this process holds (a resolved reference, a password given on the
   * command line), so that {@link #mask} hides it in any text, exception messages included.
   */
  public static void remember(String secret) {
    if (secret != null && secret.length() >= SHORTEST_REMEMBERED) {
      REMEMBERED.add(secret);
    }
  }

  /**
   * Remembers the secrets a setting carries: a secret key's value, a URI's or JAAS password.
   *
   * @return whether it carried one literally (not as a reference)
   */
  public static boolean rememberSetting(String key, String value) {
    if (value == null) {
      return false;
    }
    boolean found = false;
    if (isSecretKey(key) && !SecretReferences.hasReference(value)) {
      remember(value);
      found = true;
    }
    for (Pattern p : new Pattern[] {URI_PASSWORD, JAAS_PASSWORD}) {
      Matcher m = p.matcher(value);
      while (m.find()) {
        String secret = m.group(0).substring(m.group(1).length());
        secret = p == URI_PASSWORD ? secret.substring(0, secret.length() - 1) : unquote(secret);
        if (!SecretReferences.hasReference(secret)) {
          remember(secret);
          found = true;
        }
      }
    }
    return found;
  }

  private static String unquote(String s) {
    String t = s.endsWith(";") ? s.substring(0, s.length() - 1) : s;
    return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
  }

  /**
   * {@code e} as it may be logged or rethrown: the same types, messages masked and stack traces
   * kept, at every level of its causes. A driver's message may quote a connection string.
   */
  public static RuntimeException masked(Throwable e) {
    return MaskedException.of(e, 0);
  }

  /** An exception standing for another, its message masked; prints as the original would. */
  static final class MaskedException extends RuntimeException {
    private final String shown;

    private MaskedException(String shown, Throwable cause) {
      super(shown, cause);
      this.shown = shown;
    }

    static MaskedException of(Throwable e, int depth) {
      String message = e.getMessage() == null ? "" : ": " + mask(e.getMessage());
      Throwable cause =
          e.getCause() == null || e.getCause() == e || depth > 20 ? null : of(e.getCause(), depth + 1);
      MaskedException m = new MaskedException(e.getClass().getName() + message, cause);
      m.setStackTrace(e.getStackTrace());
      return m;
    }

    @Override
    public String toString() {
      return shown;
    }
  }
}
