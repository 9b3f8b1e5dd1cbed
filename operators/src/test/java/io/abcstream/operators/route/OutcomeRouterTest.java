package io.abcstream.operators.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.operators.failure.DeadLetterLimits;
import io.abcstream.schemas.EmbeddingMode;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.EmbeddingOutcome;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class OutcomeRouterTest {

  @Test
  void eventTimeLagIsZeroUntilTheFirstEventEvenAfterTheFunctionWasSerialized() throws Exception {
    InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
    MockEnvironment env =
        new MockEnvironmentBuilder()
            .setMetricGroup(
                new UnregisteredMetricGroups.UnregisteredTaskMetricGroup() {
                  @Override
                  public InternalOperatorMetricGroup getOrAddOperator(
                      OperatorID id, String name, Map<String, String> additionalVariables) {
                    return metrics;
                  }
                })
            .build();
    // As on a TaskManager: the function arrives through Java serialization.
    OutcomeRouter router =
        InstantiationUtil.clone(
            new OutcomeRouter(DeadLetterLimits.defaults(RecordCodec.Format.AVRO)));
    try (OneInputStreamOperatorTestHarness<EmbeddingOutcome, ImageEmbedding> harness =
        new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(router), env)) {
      harness.open();
      @SuppressWarnings("unchecked")
      Gauge<Long> lag = (Gauge<Long>) metrics.get("eventTimeLagMs");

      assertThat(lag.getValue()).isZero();

      long eventTime = System.currentTimeMillis() - 60_000;
      harness.processElement(
          EmbeddingOutcome.newBuilder()
              .setEmbedding(
                  ImageEmbedding.newBuilder()
                      .setDocId("d")
                      .setRequestId("r")
                      .setMode(EmbeddingMode.IMAGE)
                      .setModelVersion("v1")
                      .setEmbedding(List.of(1f))
                      .setEventTime(Instant.ofEpochMilli(eventTime))
                      .setEmbeddedAt(Instant.now())
                      .build())
              .build(),
          0L);

      assertThat(harness.extractOutputValues())
          .extracting(ImageEmbedding::getDocId)
          .containsExactly("d");
      assertThat(lag.getValue()).isBetween(60_000L, 600_000L);
    }
  }
}
