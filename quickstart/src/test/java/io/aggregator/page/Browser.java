package io.aggregator.page;

import java.io.File;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium from the system's packages ({@code chromium}, {@code chromium-driver}, which
 * {@code .ci/run} installs when missing); {@code -Dchromium.binary} / {@code -Dchromium.driver}
 * point elsewhere. Never downloaded: Selenium Manager is not asked.
 */
final class Browser {

  static final String BINARY = System.getProperty("chromium.binary", "/usr/bin/chromium");
  static final String DRIVER = System.getProperty("chromium.driver", "/usr/bin/chromedriver");

  private Browser() {}

  static WebDriver headlessChromium() {
    if (!new File(BINARY).canExecute() || !new File(DRIVER).canExecute()) {
      throw new IllegalStateException("No Chromium at " + BINARY + " with its driver at " + DRIVER
          + ": install them (apt-get install chromium chromium-driver; .ci/run does)");
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BINARY);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1400,1400");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER)).build();
    return new ChromeDriver(service, options);
  }
}
