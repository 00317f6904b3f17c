package org.ppruning.pruning;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.CostModel;
import org.ppruning.model.ModelSpec;

class BudgetTest {
  static final ModelSpec BERT =
      ModelSpec.unpruned(
          Architecture.BERT,
          30522,
          768,
          12,
          12,
          3072,
          512,
          2,
          Activation.GELU_TANH,
          1e-12,
          true,
          true,
          "bert-base",
          null);

  /** The reference's split: removed cost, 1 part attention to lambda parts FFN. */
  @Test
  void lambdaSplitsTheRemovedCost() {
    Budget b = new Budget(Budget.Kind.FLOPS, 0.5, 5, null, null, 32);
    Budget.Targets t = b.targets(BERT);
    double total = CostModel.encoderFlops(BERT, 32);
    assertEquals(total, t.attentionBefore() + t.ffnBefore(), 1);
    double removed = 0.5 * total;
    assertEquals(t.attentionBefore() - removed / 6, t.attention(), 1);
    assertEquals(t.ffnBefore() - 5 * removed / 6, t.ffn(), 1);
    assertEquals(0.5 * total, t.attention() + t.ffn(), 1);
    // STS-B at p = 0.5 in the reference keeps ~75.3% of attention (31.47 tokens there).
    assertEquals(0.753, t.attention() / t.attentionBefore(), 0.01);
  }

  @Test
  void overridesAndParameterBudgets() {
    Budget b = new Budget(Budget.Kind.FLOPS, 0.6, 5, 0.9, null, 64);
    Budget.Targets t = b.targets(BERT);
    assertEquals(0.9 * t.attentionBefore(), t.attention(), 1);
    assertEquals(0.6 * (t.attentionBefore() + t.ffnBefore()) - t.attention(), t.ffn(), 1);
    Budget p = new Budget(Budget.Kind.PARAMS, 0.5, 5, null, null, 64);
    assertEquals(4 * 768 * 64 + 3 * 64, p.headCost(BERT));
    assertEquals(2 * 768 + 1, p.neuronCost(BERT));
  }

  @Test
  void impossibleBudgetsAreClearErrors() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Budget(Budget.Kind.FLOPS, 0, 5, null, null, 32));
    assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new Budget(Budget.Kind.FLOPS, 1.5, 5, null, null, 32));
    // With lambda 5, keeping 10% would need the FFN below one neuron per layer.
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Budget(Budget.Kind.FLOPS, 0.1, 5, null, null, 32).targets(BERT));
    assertTrue(e.getMessage().contains("less than one unit per layer"), e.getMessage());
    assertTrue(e.getMessage().contains("lambda"), e.getMessage());
  }
}
