package org.ppruning.pruning.compensation;

import static org.junit.jupiter.api.Assertions.*;
import static org.ppruning.model.TinyModels.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.data.Sample;
import org.ppruning.eval.MaskedLm;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.UnitRemoval;
import org.ppruning.tokenize.TextTokenizer;

class CalibrationMaskTest {
  @TempDir Path tmp;

  static final ModelSpec BERT = bertSpec(2, 16, 4, 32);

  /** Sample {@code s}'s ids in the calibration (unpadded), read back from its batch. */
  static int[] sampleIds(Calibration cal, int s) {
    TokenBatch b = cal.batches().get(s / Calibration.BATCH);
    int i = s % Calibration.BATCH;
    int len = b.seqLen();
    int n = 0;
    while (n < len && b.attentionMask()[i * len + n] == 1) {
      n++;
    }
    return java.util.Arrays.copyOfRange(b.inputIds(), i * len, i * len + n);
  }

  @Test
  void masksTheEvaluationsShareNeverSpecialTokensDeterministically() throws Exception {
    List<Sample> samples = samples(70, 5, 5, 10); // 5..14 words, 3 batches
    try (TextTokenizer tok = tokenizer(tmp)) {
      int maskId = tok.tokenId("[MASK]");
      Calibration plain = Compensation.calibration(tok, samples, BERT, 10_000);
      Calibration a =
          Compensation.calibration(
              tok, samples, BERT, 10_000, CalibrationMask.of(BERT, tok, 0.15, 7));
      Calibration again =
          Compensation.calibration(
              tok, samples, BERT, 10_000, CalibrationMask.of(BERT, tok, 0.15, 7));
      Calibration other =
          Compensation.calibration(
              tok, samples, BERT, 10_000, CalibrationMask.of(BERT, tok, 0.15, 8));
      assertEquals(0, plain.maskedRows());
      assertEquals(plain.rows(), a.rows());
      // Exactly what the masked-LM evaluation does to these texts with this seed.
      MaskedLm.Masked eval =
          MaskedLm.mask(tok, samples.stream().map(Sample::text).toList(), 0.15, 7, 128);
      int expected = 0;
      int tokens = 0;
      for (int s = 0; s < samples.size(); s++) {
        int words = samples.get(s).text().split(" ").length;
        int k = Math.max(1, (int) Math.round(0.15 * words));
        int[] ids = sampleIds(a, s);
        int[] orig = sampleIds(plain, s);
        assertArrayEquals(eval.inputs().get(s), ids, "sample " + s);
        assertEquals(words + 2, ids.length);
        assertEquals(tok.tokenId("[CLS]"), ids[0], "sample " + s + " keeps [CLS]");
        assertEquals(tok.tokenId("[SEP]"), ids[ids.length - 1], "sample " + s + " keeps [SEP]");
        int masked = 0;
        for (int j = 0; j < ids.length; j++) {
          if (ids[j] == maskId) {
            masked++;
          } else {
            assertEquals(orig[j], ids[j], "sample " + s + " position " + j + " unchanged");
          }
        }
        assertEquals(k, masked, "sample " + s + " of " + words + " words");
        expected += k;
        tokens += words;
      }
      assertEquals(expected, a.maskedRows());
      double share = a.maskedRows() / (double) tokens;
      assertTrue(share > 0.14 && share < 0.2, "share of words masked " + share);
      // Padding is never [MASK].
      for (TokenBatch b : a.batches()) {
        for (int p = 0; p < b.inputIds().length; p++) {
          if (b.attentionMask()[p] == 0) {
            assertEquals(tok.padId(), b.inputIds()[p], "padding at " + p);
          }
        }
      }
      for (int i = 0; i < a.batches().size(); i++) {
        assertArrayEquals(a.batches().get(i).inputIds(), again.batches().get(i).inputIds());
        assertArrayEquals(a.positions().get(i), plain.positions().get(i));
      }
      boolean differs = false;
      for (int i = 0; i < a.batches().size(); i++) {
        differs |=
            !java.util.Arrays.equals(
                a.batches().get(i).inputIds(), other.batches().get(i).inputIds());
      }
      assertTrue(differs, "another seed masks other positions");
    }
  }

  @Test
  void maskedRowsCountOnlyTheRowsTaken() throws Exception {
    try (TextTokenizer tok = tokenizer(tmp)) {
      Calibration a =
          Compensation.calibration(
              tok, samples(70, 5, 5, 10), BERT, 40, CalibrationMask.of(BERT, tok, 0.15, 7));
      assertEquals(40, a.rows());
      int counted = 0;
      for (int i = 0; i < a.batches().size(); i++) {
        for (int p : a.positions().get(i)) {
          counted += a.batches().get(i).inputIds()[p] == tok.tokenId("[MASK]") ? 1 : 0;
        }
      }
      assertEquals(counted, a.maskedRows());
      assertTrue(counted > 0 && counted < 40, "masked rows " + counted);
    }
  }

  @Test
  void weightRepeatsOnlyTheMaskRows() throws Exception {
    try (TextTokenizer tok = tokenizer(tmp)) {
      List<Sample> samples = samples(70, 5, 5, 10);
      Calibration once =
          Compensation.calibration(
              tok, samples, BERT, 10_000, CalibrationMask.of(BERT, tok, 0.15, 7));
      Calibration thrice =
          Compensation.calibration(
              tok, samples, BERT, 10_000, CalibrationMask.of(BERT, tok, 0.15, 7, 3));
      assertEquals(once.rows(), thrice.rows());
      assertEquals(once.maskedRows(), thrice.maskedRows());
      int maskId = tok.tokenId("[MASK]");
      int listed = 0;
      for (int i = 0; i < once.batches().size(); i++) {
        int[] ids = thrice.batches().get(i).inputIds();
        assertArrayEquals(once.batches().get(i).inputIds(), ids);
        java.util.Map<Integer, Integer> count = new java.util.HashMap<>();
        for (int p : thrice.positions().get(i)) {
          count.merge(p, 1, Integer::sum);
        }
        for (int p : once.positions().get(i)) {
          assertEquals(ids[p] == maskId ? 3 : 1, count.get(p), "position " + p);
        }
        assertEquals(once.positions().get(i).length, count.size());
        listed += thrice.positions().get(i).length;
      }
      assertEquals(once.rows() + 2 * once.maskedRows(), listed);
      for (int bad : new int[] {0, CalibrationMask.MAX_WEIGHT + 1}) {
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class, () -> CalibrationMask.of(BERT, tok, 0.15, 7, bad));
        assertTrue(e.getMessage().contains("weight"), e.getMessage());
      }
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> CalibrationMask.of(BERT, tok, 0, 7, 4));
      assertTrue(e.getMessage().contains("fraction above 0"), e.getMessage());
    }
  }

  @Test
  void refusesModelsWithoutMaskedLmHeadAndBadFractions() throws Exception {
    try (TextTokenizer tok = tokenizer(tmp)) {
      assertNull(CalibrationMask.of(BERT, tok, 0, 7), "fraction 0: unmasked calibration");
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> CalibrationMask.of(gpt2Spec(2, 16, 4, 32), tok, 0.15, 7));
      assertTrue(e.getMessage().contains("masked-LM head"), e.getMessage());
      assertTrue(e.getMessage().contains("tiny-random-gpt2"), e.getMessage());
      for (double bad : new double[] {-0.1, 0.6, Double.NaN}) {
        e =
            assertThrows(
                IllegalArgumentException.class, () -> CalibrationMask.of(BERT, tok, bad, 7));
        assertTrue(e.getMessage().contains("mask fraction"), e.getMessage());
      }
    }
  }

  @Test
  void provenanceRecordsTheMask() throws Exception {
    Calibration cal;
    try (TextTokenizer tok = tokenizer(tmp)) {
      cal =
          Compensation.calibration(
              tok, samples(40, 3, 5, 10), BERT, 300, CalibrationMask.of(BERT, tok, 0.15, 9));
    }
    UnitRemoval.Pruned p =
        Compensation.apply(
            BERT,
            randomWeights(BERT, 3),
            CompensationTest.PLAN,
            Map.of("method", "test"),
            new CompensationSettings(
                CompensationSettings.Mode.LEAST_SQUARES,
                CompensationSettings.Fit.SEQUENTIAL,
                300,
                1e-2),
            cal,
            null);
    @SuppressWarnings("unchecked")
    Map<String, Object> c =
        (Map<String, Object>)
            ((Map<String, Object>) p.spec().metadata().get("pruning")).get("compensation");
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) c.get("mask");
    assertEquals(0.15, m.get("fraction"));
    assertEquals(9L, m.get("seed"));
    assertEquals(1, m.get("weight"));
    assertEquals(cal.maskedRows(), m.get("maskedRows"));
    assertTrue(cal.maskedRows() > 0);
  }
}
