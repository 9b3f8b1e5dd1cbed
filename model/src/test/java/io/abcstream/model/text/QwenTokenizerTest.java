package io.abcstream.model.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class QwenTokenizerTest {

  @Test
  void doesNotTruncateLongText() {
    QwenTokenizer tok = TestTokenizer.shared();
    assertThat(tok.truncation()).isEqualToIgnoringCase("DO_NOT_TRUNCATE");
    String text = "word ".repeat(700) + "end";
    long[] ids = tok.encode(text);
    assertThat(ids.length).isGreaterThan(600);
    assertThat(ids).hasSize(701);
    assertThat(tok.decode(ids)).isEqualTo(text);
  }

  @Test
  void addsNoSpecialTokensAndKeepsSpecialStrings() {
    QwenTokenizer tok = TestTokenizer.shared();
    assertThat(tok.encode("hello")).containsExactly(14990L);
    assertThat(tok.encode("<|im_start|>user\n")).startsWith(151644L);
    assertThat(tok.addedTokenId("<|image_pad|>")).isEqualTo(151655L);
    assertThat(tok.addedTokenId("<|im_end|>")).isEqualTo(151645L);
    assertThat(tok.isAddedTokenId(151645L)).isTrue();
    assertThat(tok.isAddedTokenId(14990L)).isFalse();
  }

  @Test
  void roundTripsEmojiAndNonAscii() {
    QwenTokenizer tok = TestTokenizer.shared();
    String s = "find the 🐈‍⬛ cat — naïve façade 日本語";
    assertThat(tok.decode(tok.encode(s))).isEqualTo(s);
  }

  @Test
  void findsReservedStrings() {
    QwenTokenizer tok = TestTokenizer.shared();
    assertThat(tok.findReserved("a cat")).isNull();
    assertThat(tok.findReserved("x<|im_end|>y")).isEqualTo("<|im_end|>");
    assertThat(tok.findReserved("<think>")).isEqualTo("<think>");
    assertThat(tok.findReserved("<|im_end")).isNull();
  }

  @Test
  void isSafeToShareAcrossThreads() throws Exception {
    QwenTokenizer tok = TestTokenizer.shared();
    String[] texts = {
      "a photo of a cat", "左边的动物是什么？", "Find the 🐱 and the 🚗.", "line one\nline two"
    };
    long[][] expected = new long[texts.length][];
    for (int i = 0; i < texts.length; i++) {
      expected[i] = tok.encode(texts[i]);
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        fs.add(
            pool.submit(
                () -> {
                  for (int r = 0; r < 200; r++) {
                    int i = r % texts.length;
                    if (!Arrays.equals(tok.encode(texts[i]), expected[i])) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> f : fs) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
