package io.aggregator.runners;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.StructuredCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * What {@link AccumulateInShardsFn} keeps of one group in one window: its accumulator, how many
 * panes it has emitted (the next pane's index) and when its pending change is due.
 */
record GroupInShard<AccumT>(AccumT accumulator, long panes, long due) {

  /** {@link #due} of a group with nothing to emit. */
  static final long NOTHING_DUE = Long.MAX_VALUE;

  boolean pending() {
    return due != NOTHING_DUE;
  }

  /** The group once its pane is emitted: one more pane, nothing due. */
  GroupInShard<AccumT> emitted() {
    return new GroupInShard<>(accumulator, panes + 1, NOTHING_DUE);
  }

  /** Its state's coder: the accumulator's, then the two counts. */
  static final class GroupCoder<AccumT> extends StructuredCoder<GroupInShard<AccumT>> {
    private static final VarLongCoder LONG = VarLongCoder.of();
    private final Coder<AccumT> accumulatorCoder;

    GroupCoder(Coder<AccumT> accumulatorCoder) {
      this.accumulatorCoder = accumulatorCoder;
    }

    @Override
    public void encode(GroupInShard<AccumT> group, OutputStream out) throws IOException {
      accumulatorCoder.encode(group.accumulator(), out);
      LONG.encode(group.panes(), out);
      LONG.encode(group.due(), out);
    }

    @Override
    public GroupInShard<AccumT> decode(InputStream in) throws IOException {
      return new GroupInShard<>(accumulatorCoder.decode(in), LONG.decode(in), LONG.decode(in));
    }

    @Override
    public List<? extends Coder<?>> getCoderArguments() {
      return List.of(accumulatorCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      verifyDeterministic(this, "the accumulator's coder must be deterministic", accumulatorCoder);
    }
  }
}
