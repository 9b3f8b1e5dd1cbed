package io.abcstream.operators.embed;

/** Latencies the pipeline reports; the Flink operator backs them with histograms. */
public interface PipelineMetrics {

  void fetchNanos(long nanos);

  void decodeNanos(long nanos);

  void modelNanos(long nanos);

  /** Discards everything (tests, CLI). */
  PipelineMetrics NONE =
      new PipelineMetrics() {
        @Override
        public void fetchNanos(long nanos) {}

        @Override
        public void decodeNanos(long nanos) {}

        @Override
        public void modelNanos(long nanos) {}
      };
}
