package io.aggregator.page;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** What the page shows, read from its DOM the way a person reads it: cell texts. */
final class PageContent {

  private static final DateTimeFormatter SHOWN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private PageContent() {}

  /** A group as the tests name it: window start as the page shows it, item, type. */
  static String key(Instant windowStart, String item, String type) {
    return SHOWN.format(windowStart) + " " + item + " " + type;
  }

  /** The documents table: group → interaction_count, from every row (one script call). */
  @SuppressWarnings("unchecked")
  static Map<String, Long> table(WebDriver browser) {
    List<List<String>> rows = (List<List<String>>) ((JavascriptExecutor) browser).executeScript(
        "const cell = (tr, c) => tr.querySelector(`td[data-column=\"${c}\"]`)?.textContent;"
            + "return [...document.querySelectorAll('#documents tbody tr')].map((tr) =>"
            + " ['window.start', 'item_id', 'interaction_type', 'interaction_count'].map((c) => cell(tr, c)));");
    Map<String, Long> counts = new TreeMap<>();
    for (List<String> r : rows) {
      counts.put(r.get(0) + " " + r.get(1) + " " + r.get(2), Long.parseLong(r.get(3)));
    }
    return counts;
  }

  /** A health card's number ({@code data-counter}), or -1 while it shows none. */
  static long counter(WebDriver browser, String name) {
    return number(browser, "[data-counter=\"" + name + "\"]");
  }

  /** What MongoDB holds as the page shows it ({@code data-total}: documents, events), or -1. */
  static long total(WebDriver browser, String name) {
    return number(browser, "[data-total=\"" + name + "\"]");
  }

  private static long number(WebDriver browser, String selector) {
    String digits = browser.findElement(By.cssSelector(selector)).getText().replace(",", "");
    return digits.matches("\\d+") ? Long.parseLong(digits) : -1;
  }

  /** Each row of the rejects panel as {@code "partition/offset REASON"}. */
  static List<String> rejectRows(WebDriver browser) {
    return browser.findElements(By.cssSelector("#rejects tbody tr")).stream()
        .map(tr -> tr.getAttribute("data-offset") + " "
            + tr.findElements(By.tagName("td")).get(1).getText())
        .toList();
  }

  /** The status line: "updated …", or why the page is not updating. */
  static String status(WebDriver browser) {
    List<WebElement> status = browser.findElements(By.id("status"));
    if (status.isEmpty()) {
      String source = browser.getPageSource();
      return "no status line; the page is: " + source.substring(0, Math.min(300, source.length()));
    }
    return status.get(0).getText();
  }

  static int watermarkRows(WebDriver browser) {
    List<WebElement> rows = browser.findElements(By.cssSelector("#watermarks tbody tr"));
    return rows.size();
  }
}
