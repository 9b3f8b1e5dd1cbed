package io.abcstream.operators.document;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DocumentIdsTest {

  @Test
  void sameInputsSameIdAcrossCalls() {
    // Pinned: ids must never change between releases, or replays would duplicate documents.
    // The value is SHA-256 over be32(len) "req-1" 0x01 be32(len) instruction, computed
    // independently.
    assertThat(DocumentIds.of("req-1", "what is on the left?"))
        .isEqualTo("NehJ098ASieBRhgc-wnBqEUCHfcq40M9CEIzqmb5Bvo");
  }

  @Test
  void distinguishesInstructionsImageOnlyAndBoundaries() {
    assertThat(DocumentIds.of("r", null)).isNotEqualTo(DocumentIds.of("r", ""));
    assertThat(DocumentIds.of("ab", "c")).isNotEqualTo(DocumentIds.of("a", "bc"));
    assertThat(DocumentIds.of("r", "a")).isNotEqualTo(DocumentIds.of("r", "b"));
    assertThat(DocumentIds.of("r1", null)).isNotEqualTo(DocumentIds.of("r2", null));
  }

  @Test
  void isAShortUrlSafeIdElasticsearchAccepts() {
    String id = DocumentIds.of("r", "左边的动物是什么？");
    assertThat(id).hasSize(43).matches("[A-Za-z0-9_-]+");
  }
}
