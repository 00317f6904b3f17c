package org.ppruning.train;

import java.util.ArrayList;
import java.util.List;
import org.ppruning.data.Split;
import org.ppruning.data.SquadJson;
import org.ppruning.data.Task;
import org.ppruning.data.TaskData;
import org.ppruning.data.TaskKind;
import org.ppruning.data.TextDocument;
import org.ppruning.model.Architecture;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.tokenize.TokenizerFiles;

/** Which head a task puts on a model, and a task's split encoded for that head. */
public final class TaskExamples {
  private TaskExamples() {}

  /**
   * The head for {@code task} on a model of {@code spec}'s architecture. Language-modelling text
   * trains gpt2 causally and bert with masking. Classification and regression read BERT's pooler
   * when the model was pre-trained with one, else the mean of the last layer (sentence-transformers
   * exports such as all-MiniLM-L6-v2 have no pooler: they were trained to give that mean).
   */
  public static TaskHead headFor(Task task, ModelSpec spec) {
    TaskHead h = plainHead(task, spec);
    return h.readsSentence() && !spec.pooler() ? h.withPooling(TaskHead.MEAN) : h;
  }

  /**
   * The head for {@code task} with the sentence vector {@code pooling} ({@link TaskHead#POOLER} or
   * {@link TaskHead#MEAN}; null: as {@link #headFor(Task, ModelSpec)} chooses).
   *
   * @throws IllegalArgumentException if the task's head has no sentence vector, or the pooling is
   *     unknown
   */
  public static TaskHead headFor(Task task, ModelSpec spec, String pooling) {
    TaskHead h = headFor(task, spec);
    if (pooling == null) {
      return h;
    }
    if (!h.readsSentence()) {
      throw new IllegalArgumentException(
          "task '"
              + task.name()
              + "' trains a "
              + h.type()
              + " head, which has no sentence vector to pool (--pooling is for classification and"
              + " regression)");
    }
    return h.withPooling(pooling);
  }

  private static TaskHead plainHead(Task task, ModelSpec spec) {
    boolean gpt2 = spec.architecture() == Architecture.GPT2;
    TaskKind k = task.kind();
    if (k.isClassification()) {
      if (gpt2) {
        throw new IllegalArgumentException(
            "task '"
                + task.name()
                + "' is classification, which"
                + " needs a bert model (with a pooler); this model is gpt2");
      }
      return new TaskHead(TaskHead.CLASSIFICATION, task.labels(), task.name());
    }
    return switch (k) {
      case REGRESSION -> {
        if (gpt2) {
          throw new IllegalArgumentException(
              "task '"
                  + task.name()
                  + "' is regression, which"
                  + " needs a bert model; this model is gpt2");
        }
        yield TaskHead.of(TaskHead.REGRESSION, task.name());
      }
      case EXTRACTIVE_QA -> TaskHead.of(TaskHead.EXTRACTIVE_QA, task.name());
      default -> TaskHead.of(gpt2 ? TaskHead.CAUSAL_LM : TaskHead.MASKED_LM, task.name());
    };
  }

  /**
   * Checks that a fine-tuned model's head fits {@code task}.
   *
   * @throws IllegalArgumentException naming both if the model has no head or another one
   */
  public static void checkHead(String model, ModelSpec spec, Task task) {
    TaskHead want = headFor(task, spec);
    TaskHead have = spec.head();
    if (have == null) {
      throw new IllegalArgumentException(
          model
              + " has no task head (a pre-trained or pruned"
              + " model); fine-tune it for '"
              + task.name()
              + "' first");
    }
    if (!have.type().equals(want.type())) {
      throw new IllegalArgumentException(
          model
              + " has a "
              + have.type()
              + " head (trained on '"
              + have.task()
              + "'); task '"
              + task.name()
              + "' needs a "
              + want.type()
              + " head");
    }
    if (!have.labels().equals(want.labels())) {
      throw new IllegalArgumentException(
          model
              + " predicts labels "
              + have.labels()
              + ", task '"
              + task.name()
              + "' has "
              + want.labels());
    }
  }

  /**
   * One split encoded for {@code spec}'s head.
   *
   * @param maxLength longest row: texts longer than this are an error; language-modelling text is
   *     cut into rows of this many tokens
   * @param seed masked LM: which tokens are masked
   * @throws IllegalArgumentException if the split is empty
   */
  public static Examples of(
      TaskData data, Split split, TextTokenizer tok, ModelSpec spec, int maxLength, long seed) {
    if (data.size(split) == 0) {
      throw new IllegalArgumentException(
          "the " + split.id() + " split of task '" + data.task().name() + "' is empty");
    }
    if (maxLength > spec.maxPositions()) {
      throw new IllegalArgumentException(
          "--max-len " + maxLength + " exceeds the model's " + spec.maxPositions() + " positions");
    }
    TaskHead head = spec.head();
    return switch (head.type()) {
      case TaskHead.CLASSIFICATION ->
          Examples.classification(tok, data.samples().get(split), head, maxLength);
      case TaskHead.REGRESSION -> Examples.regression(tok, data.samples().get(split), maxLength);
      case TaskHead.EXTRACTIVE_QA ->
          Examples.qa(
              tok,
              data.questions().get(split),
              maxLength,
              data.task().name().equals(SquadJson.V2.name()));
      default -> language(tok, spec, data.documents().get(split), maxLength, seed);
    };
  }

  /** Documents as causal-LM rows (gpt2) or masked-LM rows (bert). */
  public static Examples.Tokens language(
      TextTokenizer tok, ModelSpec spec, List<TextDocument> docs, int seqLen, long seed) {
    List<int[]> ids = new ArrayList<>();
    for (TextDocument d : docs) {
      ids.add(tok.contentIds(d.text()));
    }
    if (spec.architecture() == Architecture.GPT2) {
      return Examples.causalLm(
          ids, tok.tokenId(TokenizerFiles.GPT2_END_OF_TEXT), seqLen, tok.padId());
    }
    return Examples.maskedLm(
        ids,
        tok.tokenId("[CLS]"),
        tok.tokenId("[SEP]"),
        tok.tokenId("[MASK]"),
        spec.vocabSize(),
        seqLen,
        tok.padId(),
        seed);
  }
}
