package io.aggregator.sql;

import io.aggregator.sql.functions.SqlFunctions;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.extensions.sql.impl.BeamSqlEnv;
import org.apache.beam.sdk.extensions.sql.impl.CalciteQueryPlanner;
import org.apache.beam.sdk.extensions.sql.impl.ParseException;
import org.apache.beam.sdk.extensions.sql.impl.rel.BeamRelNode;
import org.apache.beam.sdk.extensions.sql.impl.rel.BeamSqlRelUtils;
import org.apache.beam.sdk.extensions.sql.impl.schema.BeamPCollectionTable;
import org.apache.beam.sdk.extensions.sql.meta.BeamSqlTable;
import org.apache.beam.sdk.extensions.sql.meta.provider.ReadOnlyTableProvider;
import org.apache.beam.sdk.extensions.sql.meta.store.InMemoryMetaStore;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.jdbc.CalciteSchema;

/**
 * Plans one query of a SQL file over one input table and applies it.
 *
 * <p>This is {@code SqlTransform} with one difference: the product's aggregate functions are added
 * to the schema with declared parameter types ({@link SqlFunctions}), which {@code
 * SqlTransform.registerUdaf} cannot express (it allows one parameter).
 */
public class ApplySqlQuery extends PTransform<PCollection<Row>, PCollection<Row>> {

  private final String query;
  private final String tableName;

  /**
   * @param query the query text (positions as in the SQL file)
   * @param tableName the name the query uses for the input ({@link SqlFile#SOURCE_TABLE})
   */
  public ApplySqlQuery(String query, String tableName) {
    this.query = query;
    this.tableName = tableName;
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    Map<String, BeamSqlTable> tables = Map.of(tableName, new BeamPCollectionTable<>(input));
    InMemoryMetaStore metaStore = new InMemoryMetaStore();
    metaStore.registerProvider(new ReadOnlyTableProvider("PCOLLECTION", tables));
    BeamSqlEnv env =
        BeamSqlEnv.builder(metaStore)
            .setQueryPlannerClassName(CalciteQueryPlanner.class.getName())
            .setPipelineOptions(input.getPipeline().getOptions())
            .build();
    SqlFunctions.registerAll(defaultSchema(env).plus());
    BeamRelNode plan;
    try {
      plan = env.parseQuery(SqlFunctions.rewrite(query));
    } catch (ParseException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return BeamSqlRelUtils.toPCollection(input.getPipeline(), plan);
  }

  /** The schema queries resolve names in: where Beam puts its built-in functions too. */
  private static CalciteSchema defaultSchema(BeamSqlEnv env) {
    CalciteSchema schema = env.getContext().getRootSchema();
    List<String> path = env.getContext().getDefaultSchemaPath();
    for (String name : path) {
      schema = schema.getSubSchema(name, true);
    }
    return schema;
  }
}
