package io.aggregator.sql.nested;

import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.config.CalciteSystemProperty;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.jdbc.Driver;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.linq4j.function.Function0;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.plan.ConventionTraitDef;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.plan.Contexts;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.plan.RelOptCostFactory;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.plan.RelOptPlanner;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.plan.RelOptUtil;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.plan.volcano.VolcanoPlanner;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.prepare.CalcitePrepareImpl;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.rel.RelCollationTraitDef;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.rex.RexExecutorImpl;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.DataContexts;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Calcite's JDBC driver with Calcite's own planner rules only.
 *
 * <p>Beam SQL's JDBC driver, loaded whenever Beam SQL plans a query, adds its rules to every
 * Calcite planner in the JVM through the global {@code Hook.PLANNER}; with them, the in-memory
 * engine tries to turn the snapshot table into a Beam transform and fails ("Missing conversion is
 * LogicalTableScan -> BEAM_LOGICAL"). This driver builds its planner as Calcite does, without
 * running that hook.
 */
final class SnapshotDriver extends Driver {

  @Override
  protected Function0<CalcitePrepare> createPrepareFactory() {
    return SnapshotPrepare::new;
  }

  static final class SnapshotPrepare extends CalcitePrepareImpl {
    @Override
    protected RelOptPlanner createPlanner(
        CalcitePrepare.Context prepareContext,
        org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.plan.@Nullable Context
            externalContext,
        @Nullable RelOptCostFactory costFactory) {
      // Calcite's plan.Context; the bare name here would be CalcitePrepare.Context.
      org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.plan.Context context =
          externalContext != null ? externalContext : Contexts.of(prepareContext.config());
      VolcanoPlanner planner = new VolcanoPlanner(costFactory, context);
      planner.addRelTraitDef(ConventionTraitDef.INSTANCE);
      if (CalciteSystemProperty.ENABLE_COLLATION_TRAIT.value()) {
        planner.addRelTraitDef(RelCollationTraitDef.INSTANCE);
      }
      planner.setTopDownOpt(prepareContext.config().topDownOpt());
      RelOptUtil.registerDefaultRules(
          planner, prepareContext.config().materializationsEnabled(), false);
      planner.setExecutor(new RexExecutorImpl(DataContexts.EMPTY));
      return planner;
    }
  }
}
