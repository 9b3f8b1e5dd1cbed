package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.junit.jupiter.api.Test;

/**
 * Golden round trips: the committed version-2 bytes must keep deserialising to the same entries,
 * and those entries must serialise to the same bytes; the version-1 bytes written by earlier builds
 * must keep deserialising (without a context). Regenerate (only for a NEW version file) with {@code
 * -Dabc.update-goldens=true}.
 */
class IndexOperationStateSerializerTest {

  private static final String GOLDEN_V1 = "/elasticsearch/index-operation-state-v1.bin";
  private static final String GOLDEN_V2 = "/elasticsearch/index-operation-state-v2.bin";

  static List<IndexOperation> goldenEntries() {
    return List.of(
        IndexOperation.index(
            "abc-embeddings-m1a2b3",
            "4f1c2d9e8a7b6c5d",
            "{\"request_id\":\"req-1\",\"instruction\":\"Describe the café ☕\",\"embedding\":[0.6,0.8]}"),
        IndexOperation.delete("abc-embeddings-m1a2b3", "deleted-id"),
        IndexOperation.index("other-index", "retried", "{\"request_id\":\"req-2\"}")
            .nextAttempt()
            .nextAttempt());
  }

  /** The version-1 entries plus an operation carrying a dead-letter context, and a retried one. */
  static List<IndexOperation> goldenEntriesV2() {
    List<IndexOperation> entries = new ArrayList<>(goldenEntries());
    byte[] context = {0, 1, 2, (byte) 0xff, 'c', 't', 'x'};
    entries.add(
        IndexOperation.index(
            "abc-embeddings-m1a2b3",
            "with-context",
            "{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8),
            context));
    entries.add(
        IndexOperation.index(
                "other-index",
                "retried-context",
                "{}".getBytes(StandardCharsets.UTF_8),
                new byte[0])
            .nextAttempt());
    return entries;
  }

  private static BufferedRequestState<IndexOperation> state(List<IndexOperation> entries) {
    return new BufferedRequestState<>(
        entries.stream()
            .map(e -> new RequestEntryWrapper<>(e, e.sizeInBytes()))
            .collect(Collectors.toList()));
  }

  private byte[] golden(String name) throws IOException {
    try (InputStream in = getClass().getResourceAsStream(name)) {
      assertThat(in).as("golden file " + name).isNotNull();
      return in.readAllBytes();
    }
  }

  @Test
  void goldenVersion2DeserialisesAndReserialisesByteForByte() throws IOException {
    IndexOperationStateSerializer serializer = new IndexOperationStateSerializer();
    assertThat(serializer.getVersion()).isEqualTo(2);
    byte[] expectedBytes = serializer.serialize(state(goldenEntriesV2()));
    if (Boolean.getBoolean("abc.update-goldens")) {
      Path target = Paths.get("src/test/resources" + GOLDEN_V2);
      Files.createDirectories(target.getParent());
      Files.write(target, expectedBytes);
    }
    byte[] golden = golden(GOLDEN_V2);

    BufferedRequestState<IndexOperation> restored = serializer.deserialize(2, golden);
    assertThat(restored.getBufferedRequestEntries())
        .extracting(RequestEntryWrapper::getRequestEntry)
        .containsExactlyElementsOf(goldenEntriesV2());
    assertThat(restored.getBufferedRequestEntries())
        .extracting(RequestEntryWrapper::getSize)
        .containsExactlyElementsOf(
            goldenEntriesV2().stream()
                .map(IndexOperation::sizeInBytes)
                .collect(Collectors.toList()));
    assertThat(restored.getBufferedRequestEntries().get(2).getRequestEntry().attempt())
        .isEqualTo(2);
    assertThat(restored.getBufferedRequestEntries().get(3).getRequestEntry().context())
        .containsExactly(0, 1, 2, 0xff, 'c', 't', 'x');
    assertThat(restored.getBufferedRequestEntries().get(4).getRequestEntry().context()).isEmpty();
    assertThat(restored.getBufferedRequestEntries().get(0).getRequestEntry().context()).isNull();
    assertThat(serializer.serialize(restored)).isEqualTo(golden);
    assertThat(expectedBytes).isEqualTo(golden);
  }

  /**
   * Version 1 (written by builds before the dead-letter context) still deserialises to the same
   * entries, without a context. Re-serialising writes version 2, so the byte-for-byte half of the
   * old round trip is now {@link #goldenVersion2DeserialisesAndReserialisesByteForByte()}.
   */
  @Test
  void goldenVersion1StillDeserialises() throws IOException {
    IndexOperationStateSerializer serializer = new IndexOperationStateSerializer();
    byte[] golden = golden(GOLDEN_V1);

    BufferedRequestState<IndexOperation> restored = serializer.deserialize(1, golden);
    assertThat(restored.getBufferedRequestEntries())
        .extracting(RequestEntryWrapper::getRequestEntry)
        .containsExactlyElementsOf(goldenEntries());
    assertThat(restored.getBufferedRequestEntries())
        .extracting(RequestEntryWrapper::getSize)
        .containsExactlyElementsOf(
            goldenEntries().stream().map(IndexOperation::sizeInBytes).collect(Collectors.toList()));
    assertThat(restored.getBufferedRequestEntries().get(2).getRequestEntry().attempt())
        .isEqualTo(2);
    assertThat(restored.getBufferedRequestEntries())
        .allSatisfy(e -> assertThat(e.getRequestEntry().context()).isNull());
    // What version 2 writes for these entries is version 1's layout plus one "no context" int each.
    assertThat(serializer.serialize(restored)).hasSize(golden.length + 4 * goldenEntries().size());
  }

  @Test
  void emptyStateRoundTrips() throws IOException {
    IndexOperationStateSerializer serializer = new IndexOperationStateSerializer();
    byte[] bytes = serializer.serialize(state(List.of()));
    assertThat(serializer.deserialize(serializer.getVersion(), bytes).getBufferedRequestEntries())
        .isEmpty();
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
    assertThatThrownBy(() -> serializer.deserialize(serializer.getVersion(), bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown operation type 9");
    assertThatThrownBy(() -> serializer.deserialize(1, bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown operation type 9");
  }
}
