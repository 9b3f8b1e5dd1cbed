package io.abcstream.operators.document;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

  @Test
  void unpairedSurrogatesAreRefusedInsteadOfCollidingOnOneId() {
    // getBytes(UTF_8) wrote both as "r?": two requests would have overwritten one document.
    for (String bad : List.of("r\uD800", "r\uDC00", "\uDBFF", "a\uDC00\uD800b")) {
      assertThatThrownBy(() -> DocumentIds.of(bad, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("request id");
      assertThatThrownBy(() -> DocumentIds.of("r", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("instruction");
    }
    // A proper pair is one code point and encodes as usual.
    assertThat(DocumentIds.of("r\uD83D\uDC08", null)).isEqualTo(DocumentIds.of("r🐈", null));
    assertThat(DocumentIds.of("r🐈", null)).isNotEqualTo(DocumentIds.of("r?", null));
  }

  @Test
  void concurrentCallersGetTheSameIdsAsOneCaller() throws Exception {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      expected.add(DocumentIds.of("req-" + i, i % 3 == 0 ? null : "instruction " + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<String>>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(
            pool.submit(
                () -> {
                  List<String> ids = new ArrayList<>();
                  for (int i = 0; i < 500; i++) {
                    ids.add(DocumentIds.of("req-" + i, i % 3 == 0 ? null : "instruction " + i));
                  }
                  return ids;
                }));
      }
      for (Future<List<String>> run : runs) {
        assertThat(run.get()).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
    Set<String> distinct = new HashSet<>(expected);
    assertThat(distinct).hasSize(expected.size());
  }
}
