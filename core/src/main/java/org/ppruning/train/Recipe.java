package org.ppruning.train;

import org.ppruning.model.ModelSpec;

/**
 * The fine-tuning settings a job starts from when its caller does not choose them: the plain
 * defaults, or, for a pruned pre-trained model whose spec names the model it was pruned from, the
 * recipe measured best for pruned models in docs/results.md ("Fresh seeds 47-51"): 5 epochs at 3e-4
 * with the source model as a decaying teacher. With the plain defaults a 50%-FLOPs MiniLM landed
 * 3.4 points behind the unpruned one on sentiment dev.
 *
 * @param name {@code default} or {@code pruned}
 * @param epochs training epochs
 * @param learningRate peak learning rate
 * @param teacher the teacher model (catalog name, coordinates or folder), or null for none
 */
public record Recipe(String name, int epochs, float learningRate, String teacher) {
  /** Fine-tuning a pre-trained (unpruned) or already fine-tuned model. */
  public static final Recipe DEFAULT = new Recipe("default", 3, 5e-5f, null);

  /** Recipe name of a pruned pre-trained model. */
  public static final String PRUNED = "pruned";

  /**
   * The recipe for {@code spec}: {@link #PRUNED} when it carries pruning provenance, has no task
   * head yet and names its source; else {@link #DEFAULT}.
   */
  public static Recipe forModel(ModelSpec spec) {
    boolean pruned =
        spec.head() == null
            && spec.metadata() != null
            && spec.metadata().containsKey("pruning")
            && spec.source() != null
            && !spec.source().isBlank();
    return pruned ? new Recipe(PRUNED, 5, 3e-4f, spec.source()) : DEFAULT;
  }
}
