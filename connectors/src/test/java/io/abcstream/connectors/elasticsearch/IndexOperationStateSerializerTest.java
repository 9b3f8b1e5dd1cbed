package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.junit.jupiter.api.Test;

/**
 * Golden round trip: the committed version-1 bytes must keep deserialising to the same entries, and
 * those entries must serialise to the same bytes. Regenerate (only for a NEW version file) with
 * {@code -Dabc.update-goldens=true}.
 */
class IndexOperationStateSerializerTest {

  private static final String GOLDEN_V1 = "/elasticsearch/index-operation-state-v1.bin";

  static List<IndexOperation> goldenEntries() {
    return List.of(
        IndexOperation.index(
            "abc-embeddings-m1a2b3",
            "4f1c2d9e8a7b6c5d",
            "{\"request_id\":\"req-1\",\"instruction\":\"Describe the café ☕\",\"embedding\":[0.6,0.8]}"),
        IndexOperation.delete("abc-embeddings-m1a2b3", "deleted-id"),
        IndexOperation.index("other-index", "retried", "{\"request_id\":\"req-2\"}").nextAttempt().nextAttempt());
  }

  private static BufferedRequestState<IndexOperation> state(List<IndexOperation> entries) {
    return new BufferedRequestState<>(
        entries.stream().map(e -> new RequestEntryWrapper<>(e, e.sizeInBytes())).collect(Collectors.toList()));
  }

  @Test
  void goldenVersion1DeserialisesAndReserialisesByteForByte() throws IOException {
    IndexOperationStateSerializer serializer = new IndexOperationStateSerializer();
    byte[] expectedBytes = serializer.serialize(state(goldenEntries()));
    if (Boolean.getBoolean("abc.update-goldens")) {
      Path target = Paths.get("src/test/resources" + GOLDEN_V1);
      Files.createDirectories(target.getParent());
      Files.write(target, expectedBytes);
    }
    byte[] golden;
    try (InputStream in = getClass().getResourceAsStream(GOLDEN_V1)) {
      assertThat(in).as("golden file " + GOLDEN_V1).isNotNull();
      golden = in.readAllBytes();
    }

    BufferedRequestState<IndexOperation> restored = serializer.deserialize(1, golden);
    assertThat(restored.getBufferedRequestEntries())
        .extracting(RequestEntryWrapper::getRequestEntry)
        .containsExactlyElementsOf(goldenEntries());
    assertThat(restored.getBufferedRequestEntries())
        .extracting(RequestEntryWrapper::getSize)
        .containsExactlyElementsOf(goldenEntries().stream().map(IndexOperation::sizeInBytes).collect(Collectors.toList()));
    assertThat(restored.getBufferedRequestEntries().get(2).getRequestEntry().attempt()).isEqualTo(2);
    assertThat(serializer.serialize(restored)).isEqualTo(golden);
    assertThat(expectedBytes).isEqualTo(golden);
  }

  @Test
  void emptyStateRoundTrips() throws IOException {
    IndexOperationStateSerializer serializer = new IndexOperationStateSerializer();
    byte[] bytes = serializer.serialize(state(List.of()));
    assertThat(serializer.deserialize(serializer.getVersion(), bytes).getBufferedRequestEntries()).isEmpty();
  }

  @Test
  void unknownVersionIsAClearError() throws IOException {
    IndexOperationStateSerializer serializer = new IndexOperationStateSerializer();
    byte[] bytes = serializer.serialize(state(goldenEntries()));
    assertThatThrownBy(() -> serializer.deserialize(7, bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("version 7");
  }

  @Test
  void corruptOperationTypeIsAClearError() throws IOException {
    IndexOperationStateSerializer serializer = new IndexOperationStateSerializer();
    byte[] bytes = serializer.serialize(state(List.of(IndexOperation.delete("i", "d"))));
    bytes[8 + 4 + 8] = 9; // the first entry's op type byte, after [-1L, count, size]
    assertThatThrownBy(() -> serializer.deserialize(1, bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown operation type 9");
  }
}
