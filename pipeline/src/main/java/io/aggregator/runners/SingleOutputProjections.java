package io.aggregator.runners;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.runners.AppliedPTransform;
import org.apache.beam.sdk.runners.PTransformOverride;
import org.apache.beam.sdk.runners.PTransformOverrideFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.util.construction.PTransformReplacements;
import org.apache.beam.sdk.util.construction.ReplacementOutputs;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Batch replays (Spark, Flink): Beam SQL's projection and filter ({@code BeamCalcRel}'s {@code
 * CalcFn}) has a second output, for rows it cannot evaluate, that only an error handler reads, and
 * no query of ours sets one, so nothing is ever written to it. Spark's batch translation persists
 * every element of a step with two outputs, and runs an unread output as a Spark job of its own,
 * so each projection persisted its whole output (README, "No step with two outputs"); Flink's
 * gives the unread output a discarding sink, a second reader, so the step is not chained to the
 * next. This rewrite applies the same function with its one output; the unread output is an empty
 * collection.
 */
final class SingleOutputProjections {

  /** Beam SQL's projection function, private to Beam: matched by name. */
  static final String CALC_FN = "org.apache.beam.sdk.extensions.sql.impl.rel.BeamCalcRel$CalcFn";

  private SingleOutputProjections() {}

  /** Rewrites every projection of {@code pipeline} whose only read output is its main one. */
  static void apply(Pipeline pipeline) {
    Set<PValue> read = readCollections(pipeline);
    pipeline.replaceAll(List.of(PTransformOverride.of(
        application -> onlyMainOutputRead(application, read), new Factory())));
  }

  private static boolean onlyMainOutputRead(AppliedPTransform<?, ?, ?> application, Set<PValue> read) {
    if (!(application.getTransform() instanceof ParDo.MultiOutput)) {
      return false;
    }
    ParDo.MultiOutput<?, ?> parDo = (ParDo.MultiOutput<?, ?>) application.getTransform();
    if (!parDo.getFn().getClass().getName().equals(CALC_FN) || !parDo.getSideInputs().isEmpty()) {
      return false;
    }
    for (Map.Entry<TupleTag<?>, PCollection<?>> output : application.getOutputs().entrySet()) {
      if (!output.getKey().equals(parDo.getMainOutputTag()) && read.contains(output.getValue())) {
        return false;
      }
    }
    return application.getOutputs().size() > 1;
  }

  /** Every collection some step reads. */
  private static Set<PValue> readCollections(Pipeline pipeline) {
    Set<PValue> read = new HashSet<>();
    pipeline.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        read.addAll(node.getInputs().values());
      }
    });
    return read;
  }

  private static final class Factory
      implements PTransformOverrideFactory<PCollection<Row>, PCollectionTuple, ParDo.MultiOutput<Row, Row>> {

    @Override
    public PTransformReplacement<PCollection<Row>, PCollectionTuple> getReplacementTransform(
        AppliedPTransform<PCollection<Row>, PCollectionTuple, ParDo.MultiOutput<Row, Row>> application) {
      return PTransformReplacement.of(
          PTransformReplacements.getSingletonMainInput(application),
          new OneOutput(application.getTransform(), application.getOutputs()));
    }

    @Override
    public Map<PCollection<?>, ReplacementOutput> mapOutputs(
        Map<TupleTag<?>, PCollection<?>> outputs, PCollectionTuple newOutput) {
      return ReplacementOutputs.tagged(outputs, newOutput);
    }
  }

  /** The projection with its main output only, and an empty collection for each unread one. */
  private static final class OneOutput extends PTransform<PCollection<Row>, PCollectionTuple> {
    private final ParDo.MultiOutput<Row, Row> parDo;
    private final Map<TupleTag<?>, PCollection<?>> outputs;

    OneOutput(ParDo.MultiOutput<Row, Row> parDo, Map<TupleTag<?>, PCollection<?>> outputs) {
      this.parDo = parDo;
      this.outputs = outputs;
    }

    @Override
    @SuppressWarnings("unchecked")
    public PCollectionTuple expand(PCollection<Row> input) {
      TupleTag<Row> main = parDo.getMainOutputTag();
      DoFn<Row, Row> fn = parDo.getFn();
      PCollectionTuple all =
          input.apply("Project", ParDo.of(fn).withOutputTags(main, TupleTagList.empty()));
      all.get(main).setCoder((Coder<Row>) outputs.get(main).getCoder());
      int unread = 0;
      for (Map.Entry<TupleTag<?>, PCollection<?>> output : outputs.entrySet()) {
        if (!output.getKey().equals(main)) {
          Coder<Object> coder = (Coder<Object>) output.getValue().getCoder();
          PCollection<Object> empty =
              input.getPipeline().apply("CreateUnreadOutput" + (unread++ == 0 ? "" : unread),
                  Create.empty(coder));
          all = all.and((TupleTag<Object>) output.getKey(), empty);
        }
      }
      return all;
    }
  }
}
