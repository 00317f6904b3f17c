/**
 * Fine-tuning and evaluation on the same graphs as inference. {@link org.ppruning.train.FineTuning}
 * is one job as the {@code finetune} command and the finetuner service run it: {@link
 * org.ppruning.train.TaskExamples} encodes a task's splits for its head, {@link
 * org.ppruning.train.Trainer} trains a {@link org.ppruning.train.TrainingGraph} (the head's
 * objective, clipping and {@link org.ppruning.train.AdamW}, optionally with {@link
 * org.ppruning.train.Distillation} from the pre-trained model) and keeps the best dev epoch, and
 * {@link org.ppruning.train.Evaluation} reports each head kind's metrics ({@link
 * org.ppruning.train.Metrics}, {@link org.ppruning.train.QaMetrics}: as GLUE and SQuAD define
 * them). {@link org.ppruning.train.Pretrainer} trains the small self-trained GPT-2-shaped model
 * from scratch.
 */
package org.ppruning.train;
