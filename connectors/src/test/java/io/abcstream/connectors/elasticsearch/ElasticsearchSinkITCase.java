package io.abcstream.connectors.elasticsearch;

import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.FLUSH_ON_CHECKPOINT;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.MAX_BATCH_SIZE;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.MAX_BUFFERED_REQUESTS;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.MAX_TIME_IN_BUFFER;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.RETRY_INITIAL_BACKOFF;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.RETRY_MAX_BACKOFF;
import static io.abcstream.connectors.elasticsearch.EsTestSupport.DEAD_LETTERS;
import static io.abcstream.connectors.elasticsearch.EsTestSupport.count;
import static io.abcstream.connectors.elasticsearch.EsTestSupport.storedVector;
import static io.abcstream.connectors.elasticsearch.EsTestSupport.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sink against a real Elasticsearch: Flink jobs on a MiniCluster, and the writer's flush/state
 * directly. The elements are plain integers with a mapping of their own: the sink is generic.
 */
@ExtendWith(LocalStackExtension.class)
class ElasticsearchSinkITCase {

  private static final int DIMS = 8;

  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private LocalStack stack;
  private RestClient rest;
  private String index;

  @BeforeEach
  void setUp(LocalStack stack) {
    this.stack = stack;
    this.rest = EsTestSupport.rest(stack.elasticsearchUrl());
    String prefix = LocalStack.uniqueName("sink-it");
    try (IndexManager manager = new IndexManager(rest)) {
      index =
          manager
              .ensureIndex(
                  IndexManager.IndexSpec.of(prefix, "m1", EsTestSupport.mappings(DIMS))
                      .withNumberOfReplicas(0)
                      .withManageAlias(false))
              .index();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    stack.deleteIndex(index);
    rest.close();
  }

  /** Small batches, short waits and backoffs, so the tests are quick. */
  private static Configuration sinkSettings() {
    return new Configuration()
        .set(MAX_BATCH_SIZE, 16)
        .set(MAX_BUFFERED_REQUESTS, 64)
        .set(MAX_TIME_IN_BUFFER, Duration.ofMillis(200))
        .set(RETRY_INITIAL_BACKOFF, Duration.ofMillis(50))
        .set(RETRY_MAX_BACKOFF, Duration.ofSeconds(1));
  }

  private ElasticsearchSinkBuilder<Integer> sinkBuilder(String dlqKey) {
    return sinkBuilder(dlqKey, sinkSettings());
  }

  private ElasticsearchSinkBuilder<Integer> sinkBuilder(String dlqKey, Configuration settings) {
    return ElasticsearchSink.<Integer>builder()
        .setHosts(stack.elasticsearchUrl())
        .setElementConverter(new EsTestSupport.DocConverter(index, DIMS))
        .setDeadLetterHandlerFactory(EsTestSupport.collectingDeadLetters(dlqKey))
        .setConfig(ElasticsearchSinkConfig.fromConfiguration(settings));
  }

  private void runJob(List<Integer> input, ElasticsearchSink<Integer> sink) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.fromData(input).sinkTo(sink).name("es-sink").uid("es-sink");
    env.execute("es-sink-it");
  }

  @Test
  void jobWritesEveryDocumentOnceWithItsVectorAndReplaysDoNotDuplicate() throws Exception {
    int n = 100;
    List<Integer> input = IntStream.range(0, n).boxed().collect(Collectors.toList());
    String dlq = index + "-dlq";

    runJob(input, sinkBuilder(dlq).build());

    assertThat(count(rest, index)).isEqualTo(n);
    for (int i : new int[] {0, 1, 42, 99}) {
      assertThat(storedVector(rest, index, "doc-" + i))
          .containsExactly(vector(i, DIMS), within(1e-7f));
    }
    assertThat(DEAD_LETTERS.get(dlq)).isEmpty();

    // Same input again (a replay after a restart): deterministic ids overwrite, nothing duplicates.
    runJob(input, sinkBuilder(dlq).build());
    assertThat(count(rest, index)).isEqualTo(n);
  }

  @Test
  void documentViolatingTheMappingGoesToTheDeadLetterHandlerOthersAreIndexed() throws Exception {
    List<Integer> input =
        new ArrayList<>(IntStream.range(0, 30).boxed().collect(Collectors.toList()));
    input.set(7, -7); // doc-7 gets a vector of DIMS + 1
    String dlq = index + "-dlq";

    runJob(input, sinkBuilder(dlq).build());

    assertThat(count(rest, index)).isEqualTo(29);
    List<DeadLetter> letters = DEAD_LETTERS.get(dlq);
    assertThat(letters)
        .singleElement()
        .satisfies(
            letter -> {
              assertThat(letter.operation().id()).isEqualTo("doc-7");
              assertThat(letter.status()).isEqualTo(400);
              assertThat(letter.errorType())
                  .isIn(
                      "document_parsing_exception",
                      "mapper_parsing_exception",
                      "illegal_argument_exception");
              assertThat(letter.reason()).contains("dimensions");
              // The handler gets what the converter attached, so it never has to parse the source
              // back.
              assertThat(letter.operation().context()).isEqualTo(EsTestSupport.context(7));
            });
  }

  /**
   * Fails the task once, after {@code failAt} records, so the job restarts from its last
   * checkpoint.
   */
  static final class FailOnce implements MapFunction<Integer, Integer> {
    private static final long serialVersionUID = 1L;
    static final AtomicBoolean FAILED = new AtomicBoolean();
    private final int failAt;

    FailOnce(int failAt) {
      this.failAt = failAt;
    }

    @Override
    public Integer map(Integer n) throws Exception {
      Thread.sleep(2); // slow enough for several checkpoints before the failure
      if (n == failAt && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure at " + n);
      }
      return n;
    }
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "flush-on-checkpoint={0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
  void restartFromCheckpointLeavesExactlyOneDocumentPerId(boolean flushOnCheckpoint)
      throws Exception {
    int n = 400;
    FailOnce.FAILED.set(false);
    Configuration config = new Configuration();
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(1);
    env.enableCheckpointing(100);
    ElasticsearchSink<Integer> sink =
        sinkBuilder(index + "-dlq", sinkSettings().set(FLUSH_ON_CHECKPOINT, flushOnCheckpoint))
            .build();
    env.fromData(IntStream.range(0, n).boxed().collect(Collectors.toList()))
        .map(new FailOnce(n * 3 / 4))
        .sinkTo(sink)
        .uid("es-sink");

    env.execute("es-sink-restart-it");

    assertThat(FailOnce.FAILED).isTrue();
    assertThat(count(rest, index)).isEqualTo(n);
    assertThat(DEAD_LETTERS.get(index + "-dlq")).isEmpty();
  }

  @Test
  void closedIndexFailsTheJobWithWhatToFix() throws Exception {
    EsTestSupport.call(rest, "POST", "/" + index + "/_close", null);
    ElasticsearchSink<Integer> sink = sinkBuilder(index + "-dlq").build();

    assertThatThrownBy(() -> runJob(List.of(1, 2, 3), sink))
        .satisfies(
            e ->
                assertThat(ExceptionUtils.findThrowable(e, ElasticsearchSinkException.class))
                    .hasValueSatisfying(
                        cause ->
                            assertThat(cause)
                                .hasMessageContaining("index_closed_exception")
                                .hasMessageContaining("open it")));
  }

  @Test
  void flushBeforeCheckpointMakesBufferedDocumentsVisible() throws Exception {
    ElasticsearchSink<Integer> sink =
        sinkBuilder(
                index + "-dlq",
                sinkSettings()
                    .set(MAX_BATCH_SIZE, 100)
                    .set(MAX_BUFFERED_REQUESTS, 1000)
                    .set(MAX_TIME_IN_BUFFER, Duration.ofHours(1)))
            .build();
    try (ElasticsearchSinkWriter<Integer> writer = sink.createWriter(new TestWriterContext())) {
      for (int i = 0; i < 20; i++) {
        writer.write(i, null);
      }
      assertThat(count(rest, index))
          .as("below every batching threshold: nothing sent yet")
          .isZero();

      writer.flush(false); // what Flink calls before a checkpoint barrier

      assertThat(count(rest, index)).isEqualTo(20);
      assertThat(writer.snapshotState(1L).get(0).getBufferedRequestEntries()).isEmpty();
    }
  }

  @Test
  void withoutFlushOnCheckpointBufferedOperationsSurviveThroughStateAndRestore() throws Exception {
    ElasticsearchSink<Integer> sink =
        sinkBuilder(
                index + "-dlq",
                sinkSettings()
                    .set(MAX_BATCH_SIZE, 100)
                    .set(MAX_BUFFERED_REQUESTS, 1000)
                    .set(MAX_TIME_IN_BUFFER, Duration.ofHours(1))
                    .set(FLUSH_ON_CHECKPOINT, false))
            .build();
    byte[] checkpoint;
    IndexOperationStateSerializer serializer = new IndexOperationStateSerializer();
    try (ElasticsearchSinkWriter<Integer> writer = sink.createWriter(new TestWriterContext())) {
      for (int i = 0; i < 20; i++) {
        writer.write(i, null);
      }
      writer.flush(false); // only in-flight requests are awaited; the buffer goes into state
      List<BufferedRequestState<IndexOperation>> state = writer.snapshotState(1L);
      assertThat(state.get(0).getBufferedRequestEntries()).hasSize(20);
      checkpoint = serializer.serialize(state.get(0));
    }
    assertThat(count(rest, index)).isZero();

    BufferedRequestState<IndexOperation> restored =
        serializer.deserialize(serializer.getVersion(), checkpoint);
    try (ElasticsearchSinkWriter<Integer> writer =
        sink.restoreWriter(new TestWriterContext(), List.of(restored))) {
      writer.flush(true); // end of input
    }
    assertThat(count(rest, index)).isEqualTo(20);
  }
}
