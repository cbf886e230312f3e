package io.aggregator.sql.nested;

import io.aggregator.sql.GroupWindow;
import io.aggregator.sql.QueryShape;
import io.aggregator.sql.SqlFile;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlCall;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlIdentifier;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlKind;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlNode;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlSelect;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.parser.SqlParseException;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.util.SqlBasicVisitor;

/**
 * Which rows of table {@code AGGREGATED} a second query can need (docs/semantics.md, "Nested
 * queries"), and so when a row may leave the table.
 */
public enum TableScope {
  /** The first query has no window: one row per group, for ever, as its own state holds. */
  ALL_TIME,
  /**
   * The second query groups by the first query's window start and reads nothing across rows of
   * other windows: each window's result depends on that window's rows alone, so the rows live in
   * the window and leave with it once its final result is emitted.
   */
  PER_WINDOW,
  /**
   * The second query may combine rows of several windows (a mean over all windows, a subquery, a
   * window function, an ORDER BY ... LIMIT): the table keeps the windows within
   * {@code --aggregatedRetention} of the newest one.
   */
  ACROSS_WINDOWS;

  /**
   * The scope of {@code secondQuery} over the rows of a first query of shape {@code first}. Only a
   * plain {@code SELECT ... FROM AGGREGATED ... GROUP BY <window start>, ...} without subqueries
   * or {@code OVER} is per window; anything else is read as spanning windows, which is never wrong,
   * only bounded by the retention instead of the window. Session windows always span: their rows
   * carry windows that merge again in any later grouping.
   */
  public static TableScope of(String secondQuery, QueryShape first) {
    GroupWindow window = first.groupWindow();
    if (!first.windowed() || window == null) {
      return ALL_TIME;
    }
    if (window.kind() == GroupWindow.Kind.SESSION || first.windowStartColumn() == null) {
      return ACROSS_WINDOWS;
    }
    SqlNode node;
    try {
      node = QueryShape.parse(secondQuery);
    } catch (SqlParseException e) {
      return ACROSS_WINDOWS; // planning reports it, with its position
    }
    return node instanceof SqlSelect select
            && readsOnlyAggregated(select)
            && groupsBy(select, first.windowStartColumn())
            && !crossesRows(select)
        ? PER_WINDOW
        : ACROSS_WINDOWS;
  }

  private static boolean readsOnlyAggregated(SqlSelect select) {
    SqlNode from = select.getFrom();
    if (from != null && from.getKind() == SqlKind.AS) {
      from = ((SqlCall) from).operand(0);
    }
    return from instanceof SqlIdentifier id
        && SqlFile.AGGREGATED_TABLE.equals(id.names.get(id.names.size() - 1));
  }

  private static boolean groupsBy(SqlSelect select, String column) {
    if (select.getGroup() == null) {
      return false;
    }
    for (SqlNode g : select.getGroup()) {
      if (g instanceof SqlIdentifier id && column.equals(id.names.get(id.names.size() - 1))) {
        return true;
      }
    }
    return false;
  }

  /** Whether anything but the root SELECT's own grouping relates rows: a subquery or OVER. */
  private static boolean crossesRows(SqlSelect root) {
    boolean[] crosses = {false};
    SqlBasicVisitor<Void> visitor =
        new SqlBasicVisitor<>() {
          @Override
          public Void visit(SqlCall call) {
            if (call != root && (call instanceof SqlSelect || call.getKind() == SqlKind.OVER)) {
              crosses[0] = true;
              return null;
            }
            return super.visit(call);
          }
        };
    root.accept(visitor);
    return crosses[0];
  }
}
