package io.abcstream.model.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.model.text.InputMode;
import io.abcstream.testkit.Tolerances;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Vectors of the tiny bundle through DJL equal the Python reference goldens, alone and batched. */
class AbcModelGoldenTest {
  private static AbcModel model;
  private static Goldens goldens;

  private static List<float[]> alone;

  @BeforeAll
  static void load() {
    goldens = Goldens.load();
    model = TestModels.tiny();
    alone = new ArrayList<>();
    for (Goldens.Case c : goldens.cases()) {
      alone.add(model.embed(goldens.input(c)));
    }
  }

  /**
   * v, from a batch padded to seqLen tokens, is within fp32 rounding of the golden ({@link
   * Goldens#bound}).
   */
  private static void assertMatches(Goldens.Case c, float[] v, int seqLen) {
    assertThat(v).as(c.id()).hasSize(model.dims());
    double bound = Goldens.bound(c, seqLen);
    double cos = Goldens.cosine(v, c.vector());
    double diff = Goldens.maxAbsDiff(v, c.vector());
    assertThat(Tolerances.relativeError(v, c.vector()))
        .as(c.id() + " relative error")
        .isLessThanOrEqualTo(bound);
    assertThat(cos).as(c.id() + " cosine").isGreaterThanOrEqualTo(Tolerances.cosineFloor(bound));
    // the golden is a unit vector: no component moves more than the whole difference
    assertThat(diff).as(c.id() + " max abs diff").isLessThanOrEqualTo(bound);
  }

  /** A row of a batch padded to seqLen equals the same row alone, both fp32 on this build. */
  private static void assertEqualsAlone(
      Goldens.Case c, float[] batched, float[] single, int seqLen, String what) {
    double bound =
        Tolerances.fp32Apart(
            Goldens.fp32Roundings(c, seqLen), Goldens.fp32Roundings(c, c.inputIds().length));
    assertThat(Tolerances.relativeError(batched, single)).as(what).isLessThanOrEqualTo(bound);
    assertThat(Goldens.maxAbsDiff(batched, single)).as(what).isLessThanOrEqualTo(bound);
  }

  @Test
  void inputIdsEqualGoldens() {
    for (Goldens.Case c : goldens.cases()) {
      PreparedInput p = model.prepare(goldens.input(c));
      assertThat(p.prompt().prompt()).as(c.id()).isEqualTo(c.prompt());
      assertThat(p.prompt().inputIds()).as(c.id()).containsExactly(c.inputIds());
      if (c.gridThw() != null) {
        assertThat(p.image().gridThw()).as(c.id()).containsExactly(c.gridThw());
      }
    }
  }

  @Test
  void everyCaseAloneMatchesGolden() {
    for (int i = 0; i < alone.size(); i++) {
      Goldens.Case c = goldens.cases().get(i);
      assertMatches(c, alone.get(i), c.inputIds().length);
    }
    assertThat(model.liveArrays()).isZero();
  }

  @Test
  void allModesCovered() {
    assertThat(goldens.cases()).extracting(Goldens.Case::mode).contains(InputMode.values());
  }

  @Test
  void allCasesInOneBatchMatchGoldens() {
    List<EmbeddingInput> in = new ArrayList<>();
    for (Goldens.Case c : goldens.cases()) {
      in.add(goldens.input(c));
    }
    List<float[]> out = model.embed(in);
    int padded = Goldens.paddedLength(goldens.cases());
    for (int i = 0; i < out.size(); i++) {
      assertMatches(goldens.cases().get(i), out.get(i), padded);
    }
  }

  @Test
  void mixedBatchWithSharedImagesEqualsAlone() {
    // mixed modes, lengths (24..1033 tokens) and images; tiny_3x2 shared by three rows
    String[] ids = {
      "text0",
      "tiny_3x2__instr2",
      "large_1100x800__instr2",
      "tiny_3x2__image",
      "text4",
      "wide_1000x40__image",
      "tiny_3x2__instr0",
      "gray_50x61__instr2"
    };
    List<EmbeddingInput> in = new ArrayList<>();
    List<Goldens.Case> batchCases = new ArrayList<>();
    for (String id : ids) {
      in.add(goldens.input(goldens.get(id)));
      batchCases.add(goldens.get(id));
    }
    int padded = Goldens.paddedLength(batchCases);
    CollatedBatch batch = model.collator().collate(in.stream().map(model::prepare).toList());
    assertThat(batch.imageCount()).isEqualTo(4);
    assertThat(batch.rowImage()).containsExactly(-1, 0, 1, 0, -1, 2, 0, 3);
    List<float[]> out = model.embed(in);
    for (int k = 0; k < ids.length; k++) {
      int i = goldens.cases().indexOf(goldens.get(ids[k]));
      assertEqualsAlone(goldens.cases().get(i), out.get(k), alone.get(i), padded, ids[k]);
      assertMatches(goldens.cases().get(i), out.get(k), padded);
    }
  }

  /**
   * The bounds are not so loose that another case's vector (a row swapped in a batch) would pass
   * them.
   */
  @Test
  void boundsRejectEveryOtherCasesVector() {
    int padded = Goldens.paddedLength(goldens.cases());
    for (Goldens.Case c : goldens.cases()) {
      for (Goldens.Case other : goldens.cases()) {
        if (other != c) {
          assertThat(Tolerances.relativeError(other.vector(), c.vector()))
              .as("%s for %s", other.id(), c.id())
              .isGreaterThan(Goldens.bound(c, padded));
        }
      }
    }
  }

  @Test
  void batchInvariance() {
    List<Goldens.Case> cases = goldens.cases();
    Random rnd = new Random(42);
    for (int trial = 0; trial < 4; trial++) {
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < cases.size(); i++) {
        idx.add(i);
      }
      Collections.shuffle(idx, rnd);
      List<Integer> pick = idx.subList(0, 2 + rnd.nextInt(6));
      List<EmbeddingInput> in = new ArrayList<>();
      for (int i : pick) {
        in.add(goldens.input(cases.get(i)));
      }
      int padded = Goldens.paddedLength(pick.stream().map(cases::get).toList());
      List<float[]> out = model.embed(in);
      for (int k = 0; k < pick.size(); k++) {
        Goldens.Case c = cases.get(pick.get(k));
        assertEqualsAlone(
            c,
            out.get(k),
            alone.get(pick.get(k)),
            padded,
            "trial " + trial + ": " + c.id() + " in batch " + pick);
      }
    }
  }
}
