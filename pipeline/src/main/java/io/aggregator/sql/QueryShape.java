package io.aggregator.sql;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.beam.sdk.extensions.sql.impl.parser.BeamSqlParser;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.config.Lex;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlBasicCall;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlCall;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlIdentifier;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlIntervalLiteral;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlKind;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlNode;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlNodeList;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlOrderBy;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlSelect;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlWith;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.parser.SqlParseException;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.parser.SqlParser;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.parser.SqlParserUtil;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.util.SqlBasicVisitor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What the product needs to know about a query beyond its result schema: whether it aggregates
 * over event-time windows (which decides the trigger policy), and which output columns identify a
 * result row (the group-by columns and the window start), from which a MongoDB {@code _id} is
 * derived when the query selects none ({@link GroupId}).
 */
public final class QueryShape implements java.io.Serializable {

  public static final String ID_COLUMN = "_id";

  private static final Set<String> WINDOW_FUNCTIONS = Set.of("TUMBLE", "HOP", "SESSION");

  private final boolean windowed;
  private final List<String> keyColumns;
  private final @Nullable String windowStartColumn;
  private final boolean hasIdColumn;
  /** The window the query groups by, or null. */
  private @Nullable GroupWindow groupWindow;

  private QueryShape(
      boolean windowed,
      List<String> keyColumns,
      @Nullable String windowStartColumn,
      boolean hasIdColumn) {
    this.windowed = windowed;
    this.keyColumns = Collections.unmodifiableList(keyColumns);
    this.windowStartColumn = windowStartColumn;
    this.hasIdColumn = hasIdColumn;
  }

  /** A shape given directly (for tests and for queries whose shape is known). */
  public static QueryShape of(
      boolean windowed, List<String> keyColumns, @Nullable String windowStartColumn, boolean hasId) {
    return new QueryShape(windowed, new ArrayList<>(keyColumns), windowStartColumn, hasId);
  }

  /** Parses {@code query} as Beam SQL does: Java lexical rules, backtick quoting. */
  public static SqlNode parse(String query) throws SqlParseException {
    return SqlParser.create(
            query, SqlParser.config().withLex(Lex.JAVA).withParserFactory(BeamSqlParser.FACTORY))
        .parseQuery();
  }

  /**
   * Analyses {@code query} (as planned by Beam SQL: Java lexical rules, backtick quoting).
   *
   * @throws SqlFileException for a query the product cannot key: a GROUP BY column that is not
   *     selected, when the query selects no {@code _id}
   */
  public static QueryShape analyze(String fileName, String query) {
    SqlNode node;
    try {
      node = parse(query);
    } catch (SqlParseException e) {
      throw new SqlFileException(
          fileName, e.getPos() == null ? 0 : e.getPos().getLineNum(), firstLine(e.getMessage()));
    }
    boolean windowed = containsWindowFunction(node);
    refuseSessionEnd(fileName, node);
    SqlSelect select = outerSelect(node);
    if (select == null) {
      return new QueryShape(windowed, List.of(), null, false);
    }
    boolean hasId = false;
    for (SqlNode item : select.getSelectList()) {
      if (ID_COLUMN.equals(outputName(item))) {
        hasId = true;
      }
    }
    List<String> keys = new ArrayList<>();
    String windowStart = null;
    GroupWindow groupWindow = null;
    SqlNodeList group = select.getGroup();
    if (group != null) {
      for (SqlNode g : group) {
        if (isWindowCall(g)) {
          String fn = operatorName((SqlCall) g);
          groupWindow = groupWindow(fn, (SqlCall) g);
          windowStart = selectedWindowStart(select, fn + "_START");
          if (windowStart == null && !hasId) {
            throw new SqlFileException(
                fileName,
                g.getParserPosition().getLineNum(),
                "select "
                    + fn
                    + "_START(...) (as window_start) or an _id column: without it rows of"
                    + " different windows would share a MongoDB _id");
          }
          continue;
        }
        String out = selectedAs(select, g);
        if (out == null) {
          if (!hasId) {
            throw new SqlFileException(
                fileName,
                g.getParserPosition().getLineNum(),
                "GROUP BY "
                    + g
                    + " is not selected: select it or an _id column, so that each result row has"
                    + " its own MongoDB _id");
          }
          continue;
        }
        keys.add(out);
      }
    }
    QueryShape shape = new QueryShape(windowed, keys, windowStart, hasId);
    shape.groupWindow = groupWindow;
    return shape;
  }

  /**
   * The window of {@code TUMBLE(ts, size[, offset])}, {@code HOP(ts, slide, size[, offset])} or
   * {@code SESSION(ts, gap)}, or null when an interval is not a literal (Beam SQL then refuses the
   * query itself).
   */
  private static @Nullable GroupWindow groupWindow(String fn, SqlCall call) {
    GroupWindow.Kind kind = GroupWindow.Kind.valueOf(fn);
    long[] ms = new long[call.operandCount() - 1];
    for (int i = 1; i < call.operandCount(); i++) {
      if (!(call.operand(i) instanceof SqlIntervalLiteral)) {
        return null;
      }
      SqlIntervalLiteral interval = (SqlIntervalLiteral) call.operand(i);
      ms[i - 1] =
          SqlParserUtil.intervalToMillis(interval.getValueAs(SqlIntervalLiteral.IntervalValue.class));
    }
    switch (kind) {
      case TUMBLE:
        return ms.length < 1 ? null : new GroupWindow(kind, ms[0], ms[0], ms.length > 1 ? ms[1] : 0);
      case HOP:
        return ms.length < 2 ? null : new GroupWindow(kind, ms[1], ms[0], ms.length > 2 ? ms[2] : 0);
      default:
        return ms.length < 1 ? null : new GroupWindow(kind, ms[0], 0, 0);
    }
  }

  private static @Nullable SqlSelect outerSelect(SqlNode node) {
    if (node instanceof SqlOrderBy) {
      return outerSelect(((SqlOrderBy) node).query);
    }
    if (node instanceof SqlWith) {
      return outerSelect(((SqlWith) node).body);
    }
    return node instanceof SqlSelect ? (SqlSelect) node : null;
  }

  private static boolean isWindowCall(SqlNode n) {
    return n instanceof SqlCall && WINDOW_FUNCTIONS.contains(operatorName((SqlCall) n));
  }

  /** The operator's name in upper case; Beam's parser names the group windows {@code $TUMBLE}. */
  private static String operatorName(SqlCall call) {
    String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
    return name.startsWith("$") ? name.substring(1) : name;
  }

  /**
   * Beam SQL keeps only a window's start: {@code SESSION_END} returns the session's start, not its
   * end (TUMBLE_END and HOP_END are the start plus the size, and right). Refused at its line rather
   * than written wrong in every document.
   */
  private static void refuseSessionEnd(String fileName, SqlNode node) {
    node.accept(
        new SqlBasicVisitor<Void>() {
          @Override
          public Void visit(SqlCall call) {
            if (operatorName(call).equals("SESSION_END")) {
              throw new SqlFileException(
                  fileName,
                  call.getParserPosition().getLineNum(),
                  "SESSION_END is not supported: Beam SQL returns the session's start for it."
                      + " Select MAX(`timestamp`) for the time of the session's last event");
            }
            return super.visit(call);
          }
        });
  }

  private static boolean containsWindowFunction(SqlNode node) {
    boolean[] found = {false};
    node.accept(
        new SqlBasicVisitor<Void>() {
          @Override
          public Void visit(SqlCall call) {
            if (isWindowCall(call)) {
              found[0] = true;
            }
            return super.visit(call);
          }
        });
    return found[0];
  }

  /** The output name of the select item computing {@code expr}, or null if none does. */
  private static @Nullable String selectedAs(SqlSelect select, SqlNode expr) {
    for (SqlNode item : select.getSelectList()) {
      SqlNode value = item.getKind() == SqlKind.AS ? ((SqlBasicCall) item).operand(0) : item;
      if (value.equalsDeep(expr, org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.util.Litmus.IGNORE)) {
        return outputName(item);
      }
    }
    return null;
  }

  private static @Nullable String selectedWindowStart(SqlSelect select, String startFunction) {
    for (SqlNode item : select.getSelectList()) {
      SqlNode value = item.getKind() == SqlKind.AS ? ((SqlBasicCall) item).operand(0) : item;
      if (value instanceof SqlCall
          && operatorName((SqlCall) value).equals(startFunction)) {
        return outputName(item);
      }
    }
    return null;
  }

  private static @Nullable String outputName(SqlNode item) {
    if (item.getKind() == SqlKind.AS) {
      return ((SqlIdentifier) ((SqlBasicCall) item).operand(1)).getSimple();
    }
    if (item instanceof SqlIdentifier) {
      List<String> names = ((SqlIdentifier) item).names;
      return names.get(names.size() - 1);
    }
    return null;
  }

  private static String firstLine(String s) {
    int nl = s == null ? -1 : s.indexOf('\n');
    return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
  }

  /** Whether the query aggregates over TUMBLE, HOP or SESSION windows. */
  public boolean windowed() {
    return windowed;
  }

  /** The output columns of the group-by keys (window excluded), in GROUP BY order. */
  public List<String> keyColumns() {
    return keyColumns;
  }

  /** The output column holding the window start, or null. */
  public @Nullable String windowStartColumn() {
    return windowStartColumn;
  }

  /** The event-time window the query groups by, or null when it has none. */
  public @Nullable GroupWindow groupWindow() {
    return groupWindow;
  }

  /** Whether the query selects an {@code _id} column itself. */
  public boolean hasIdColumn() {
    return hasIdColumn;
  }
}
