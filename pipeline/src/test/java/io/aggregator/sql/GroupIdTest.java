package io.aggregator.sql;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.junit.Test;

/** Derived ids: readable in the common case, distinct for distinct groups always. */
public class GroupIdTest {

  static final Schema TWO_KEYS = Schema.builder()
      .addNullableField("a", Schema.FieldType.STRING)
      .addNullableField("b", Schema.FieldType.STRING)
      .build();
  static final GroupId IDS = new GroupId(QueryShape.of(false, List.of("a", "b"), null, false));

  static String id(String a, String b) {
    return IDS.of(Row.withSchema(TWO_KEYS).addValues(a, b).build());
  }

  @Test
  public void plainValuesReadAsTheyAre() {
    assertEquals("i-4#click", id("i-4", "click"));
  }

  @Test
  public void separatorsInsideValuesCannotMakeTwoGroupsOne() {
    assertNotEquals(id("a#b", "c"), id("a", "b#c"));
    assertEquals("a\\#b#c", id("a#b", "c"));
    assertNotEquals(id("a\\", "#b"), id("a\\#", "b"));
  }

  @Test
  public void aNullIsNotTheStringNull() {
    assertNotEquals(id(null, "x"), id("null", "x"));
    assertNotEquals(id(null, "x"), id("\\N", "x"));
    assertNotEquals(id(null, "x"), id("", "x"));
    assertEquals("\\N#x", id(null, "x"));
  }

  /** Random pairs over an alphabet rich in separators and escapes: no two groups share an id. */
  @Test
  public void distinctGroupsNeverShareAnId() {
    String alphabet = "a#\\N";
    Random random = new Random(3);
    Set<List<String>> groups = new HashSet<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      String a = random.nextInt(8) == 0 ? null : word(random, alphabet);
      String b = random.nextInt(8) == 0 ? null : word(random, alphabet);
      if (groups.add(java.util.Arrays.asList(a, b))) {
        ids.add(id(a, b));
      }
    }
    assertEquals(groups.size(), ids.size());
  }

  static String word(Random random, String alphabet) {
    StringBuilder sb = new StringBuilder();
    int n = random.nextInt(5);
    for (int i = 0; i < n; i++) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }
}
