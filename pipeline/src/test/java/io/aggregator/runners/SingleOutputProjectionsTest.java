package io.aggregator.runners;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.sql.SqlTransform;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;

/**
 * Spark replays' projections lose the error output nothing reads (Spark persists every step with
 * two outputs): the same rows come out, and a projection whose errors are read is left alone.
 */
public class SingleOutputProjectionsTest {

  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final Schema SOURCE =
      Schema.builder().addStringField("item_id").addInt64Field("amount").build();

  static final List<Row> ROWS = List.of(
      Row.withSchema(SOURCE).addValues("a", 3L).build(),
      Row.withSchema(SOURCE).addValues("b", 40L).build(),
      Row.withSchema(SOURCE).addValues("c", 5L).build());

  /** The number of outputs of each of {@code p}'s projections. */
  static List<Integer> projectionOutputs(Pipeline p) {
    List<Integer> outputs = new ArrayList<>();
    p.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        if (node.getTransform() instanceof ParDo.MultiOutput
            && ((ParDo.MultiOutput<?, ?>) node.getTransform()).getFn().getClass().getName()
                .equals(SingleOutputProjections.CALC_FN)) {
          outputs.add(node.getOutputs().size());
        }
      }
    });
    return outputs;
  }

  PCollection<String> items(SqlTransform sql) {
    return p.apply(Create.of(ROWS).withRowSchema(SOURCE))
        .apply(sql)
        .apply(MapElements.into(TypeDescriptors.strings()).via(r -> r.getString("item_id")));
  }

  @Test
  public void aProjectionKeepsItsRowsWithOneOutput() {
    PCollection<String> items =
        items(SqlTransform.query("SELECT item_id FROM PCOLLECTION WHERE amount > 4"));
    assertEquals(List.of(2), projectionOutputs(p));

    SingleOutputProjections.apply(p);

    assertEquals(List.of(1), projectionOutputs(p));
    PAssert.that(items).containsInAnyOrder("b", "c");
    p.run().waitUntilFinish();
  }

  @Test
  public void aProjectionWhoseErrorsAreReadIsLeftAlone() {
    PCollection<String> items =
        items(SqlTransform.query("SELECT item_id FROM PCOLLECTION WHERE amount > 4")
            .withErrorsTransformer(new DiscardRows()));

    SingleOutputProjections.apply(p);

    assertEquals(List.of(2), projectionOutputs(p));
    PAssert.that(items).containsInAnyOrder("b", "c");
    p.run().waitUntilFinish();
  }

  /** An error handler: it reads the errors' output. */
  static final class DiscardRows extends PTransform<PCollection<Row>, PDone> {
    @Override
    public PDone expand(PCollection<Row> input) {
      input.apply(MapElements.into(TypeDescriptors.strings()).via(Row::toString));
      return PDone.in(input.getPipeline());
    }
  }
}
