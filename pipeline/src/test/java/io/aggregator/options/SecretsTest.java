package io.aggregator.options;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.io.StringWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.Test;

/** Secret references and masking (README, "Security"). */
public class SecretsTest {

  static final Map<String, String> ENVIRONMENT = Map.of("MONGO_PASSWORD", "env-s3cret-1");

  @Test
  public void referencesReadTheEnvironmentAWholeFileOrAPropertyOfAFile() throws Exception {
    Path dir = Files.createTempDirectory("secrets-test");
    Path whole = Files.writeString(dir.resolve("uri"), "mongodb://u:file-s3cret-2@h:1/db\n");
    Path properties = Files.writeString(dir.resolve("stores.properties"), "truststore.password=prop-s3cret-3\n");

    assertEquals("mongodb://u:env-s3cret-1@h",
        SecretReferences.resolve("mongodb://u:${env:MONGO_PASSWORD}@h", ENVIRONMENT::get));
    assertEquals("mongodb://u:file-s3cret-2@h:1/db",
        SecretReferences.resolve("${file:" + whole + "}", ENVIRONMENT::get));
    assertEquals("prop-s3cret-3",
        SecretReferences.resolve("${file:" + properties + ":truststore.password}", ENVIRONMENT::get));
    assertEquals("no reference", SecretReferences.resolve("no reference", ENVIRONMENT::get));
    // What was read is masked wherever it appears afterwards.
    assertEquals("a *** b *** c ***", Secrets.mask("a env-s3cret-1 b file-s3cret-2 c prop-s3cret-3"));
  }

  @Test
  public void aReferenceThatCannotBeReadNamesItselfAndNoValue() throws Exception {
    IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
        () -> SecretReferences.resolve("${env:NOT_SET_HERE}", ENVIRONMENT::get));
    assertThat(unset.getMessage(), containsString("${env:NOT_SET_HERE}: the environment variable NOT_SET_HERE is not set"));
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> SecretReferences.resolve("${file:/no/such/file}", ENVIRONMENT::get));
    assertThat(missing.getMessage(), containsString("${file:/no/such/file}: no such file"));
  }

  @Test
  public void referencesAreShownSecretsAreNot() {
    assertEquals("${file:/run/secrets/pw}", Secrets.shown("ssl.truststore.password", "${file:/run/secrets/pw}"));
    assertEquals("***", Secrets.shown("ssl.truststore.password", "given-on-the-command-line"));
    assertEquals("mongodb://u:***@h", Secrets.shown("uri", "mongodb://u:pw@h"));
    assertEquals("Module required username=\"u\" password=\"${env:KAFKA_PASSWORD}\";",
        Secrets.mask("Module required username=\"u\" password=\"${env:KAFKA_PASSWORD}\";"));
    assertEquals("Module required username=\"u\" password=***",
        Secrets.mask("Module required username=\"u\" password=\"literal\";"));
  }

  @Test
  public void secretsGivenOnTheCommandLineAreMaskedEvenWhereNoPatternSeesThem() {
    Secrets.rememberSetting("sasl.jaas.config", "M required username=\"u\" password=\"jaas-s3cret-4\";");
    Secrets.rememberSetting("uri", "mongodb://u:uri-s3cret-5@h:1");
    assertEquals("auth failed for *** and ***", Secrets.mask("auth failed for jaas-s3cret-4 and uri-s3cret-5"));
  }

  @Test
  public void aMaskedExceptionKeepsTypesAndStackTracesAndHidesSecretsInEveryCause() {
    Secrets.remember("cause-s3cret-6");
    Exception e = new IllegalStateException("outer",
        new RuntimeException("connecting to mongodb://u:cause-s3cret-6@h failed"));
    StringWriter printed = new StringWriter();
    Secrets.masked(e).printStackTrace(new PrintWriter(printed));
    assertThat(printed.toString(), not(containsString("cause-s3cret-6")));
    assertThat(printed.toString(), containsString("java.lang.IllegalStateException: outer"));
    assertThat(printed.toString(), containsString("Caused by: java.lang.RuntimeException: connecting to mongodb://u:***@h failed"));
    assertThat(printed.toString(), containsString("at io.aggregator.options.SecretsTest."));
  }
}
