package io.aggregator.sql;

import java.util.Locale;
import java.util.Set;
import org.apache.beam.sdk.extensions.sql.impl.parser.BeamSqlParser;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.config.Lex;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlCall;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlKind;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlNode;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlOrderBy;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.SqlSelect;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.parser.SqlParseException;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.parser.SqlParser;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.parser.SqlParserUtil;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.util.SqlBasicVisitor;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The {@value #COLUMN} column of every aggregated result: how many events the row reflects
 * (docs/semantics.md, "Restarts"). The sink compares it with the document already stored and never
 * replaces a document by a result computed from fewer events, so a restart that re-reads less than
 * an earlier run (retention, {@code startingOffsets=latest}, a replay still catching up) never
 * writes a smaller truth.
 *
 * <p>The column is added to the text of the query's outermost SELECT, after its last item, so that
 * the file's positions (line numbers in planner messages) do not move: {@code COUNT(*)} in the
 * first query, {@code SUM(_events)} of the AGGREGATED rows in an aggregating second query. A query
 * whose outermost SELECT does not aggregate, or that already selects {@value #COLUMN}, is left as
 * it is; its results are written unconditionally.
 */
public final class EventCount {

  /** The column, and the document field, holding the count. */
  public static final String COLUMN = "_events";

  /** Aggregate functions whose presence makes a SELECT without GROUP BY an aggregation. */
  private static final Set<String> AGGREGATES = Set.of("COUNT", "SUM", "AVG", "MIN", "MAX",
      "COUNT_DISTINCT", "APPROX_COUNT_DISTINCT", "MAX_BY", "MIN_BY", "VAR_POP", "VAR_SAMP",
      "STDDEV_POP", "STDDEV_SAMP", "COVAR_POP", "COVAR_SAMP", "BIT_OR", "BIT_AND", "BIT_XOR",
      "ANY_VALUE", "LOGICAL_OR", "LOGICAL_AND", "EVERY", "SOME");

  private EventCount() {}

  /** The first query, counting each group's events. */
  public static String countEvents(String query) {
    return addItem(query, "COUNT(*) AS " + COLUMN);
  }

  /** A second query, summing the counts of the AGGREGATED rows in each of its groups. */
  public static String sumCounts(String query) {
    return addItem(query, "SUM(" + COLUMN + ") AS " + COLUMN);
  }

  private static String addItem(String query, String item) {
    SqlSelect select = outerSelect(query);
    if (select == null || !aggregates(select) || selects(select, COLUMN)) {
      return query;
    }
    SqlNode last = select.getSelectList().get(select.getSelectList().size() - 1);
    SqlParserPos pos = last.getParserPosition();
    int end = SqlParserUtil.lineColToIndex(query, pos.getEndLineNum(), pos.getEndColumnNum()) + 1;
    return query.substring(0, end) + ", " + item + query.substring(end);
  }

  private static @Nullable SqlSelect outerSelect(String query) {
    SqlNode node;
    try {
      node = SqlParser.create(query,
              SqlParser.config().withLex(Lex.JAVA).withParserFactory(BeamSqlParser.FACTORY))
          .parseQuery();
    } catch (SqlParseException e) {
      return null; // the planner reports it, with the file's position
    }
    if (node instanceof SqlOrderBy) {
      node = ((SqlOrderBy) node).query;
    }
    return node instanceof SqlSelect ? (SqlSelect) node : null;
  }

  private static boolean aggregates(SqlSelect select) {
    if (select.getGroup() != null && select.getGroup().size() > 0) {
      return true;
    }
    if (select.isDistinct()) {
      return false;
    }
    boolean[] found = {false};
    select.getSelectList().accept(new SqlBasicVisitor<Void>() {
      @Override
      public Void visit(SqlCall call) {
        if (call.getKind() == SqlKind.OVER) {
          return null; // a window function over rows, not an aggregation of them
        }
        String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
        if (AGGREGATES.contains(name)) {
          found[0] = true;
        }
        return super.visit(call);
      }
    });
    return found[0];
  }

  private static boolean selects(SqlSelect select, String column) {
    for (SqlNode item : select.getSelectList()) {
      String text = item.toString().toLowerCase(Locale.ROOT).replace("`", "");
      if (text.equals(column) || text.endsWith(" as " + column)) {
        return true;
      }
    }
    return false;
  }
}
