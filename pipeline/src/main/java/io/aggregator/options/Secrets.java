package io.aggregator.options;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Masks secrets wherever options are printed or logged: the password of a URI's user info
 * ({@code mongodb://user:***@host}) and the value of any setting whose key names a secret.
 */
public final class Secrets {

  private static final Pattern URI_PASSWORD = Pattern.compile("(://[^:/@\\s]*:)[^@/\\s]*(@)");
  private static final Pattern SECRET_SETTING =
      Pattern.compile(
          "((?:password|passwd|secret|sasl\\.jaas\\.config|token|credential)[^=\\s]*=)\\S*",
          Pattern.CASE_INSENSITIVE);
  private static final Pattern JAAS_PASSWORD =
      Pattern.compile("(password\\s*=\\s*)(\"[^\"]*\"|\\S+)", Pattern.CASE_INSENSITIVE);

  private Secrets() {}

  /** {@code text} with every password replaced by {@code ***}. */
  public static String mask(String text) {
    if (text == null) {
      return null;
    }
    String masked = URI_PASSWORD.matcher(text).replaceAll("$1***$2");
    masked = JAAS_PASSWORD.matcher(masked).replaceAll("$1***");
    return SECRET_SETTING.matcher(masked).replaceAll("$1***");
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
}
