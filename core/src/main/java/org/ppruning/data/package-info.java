/**
 * Tasks and data for pruning, fine-tuning and evaluation.
 *
 * <ul>
 *   <li>What a task is: {@link org.ppruning.data.Task} (kind, labels, metrics, what it stands in
 *       for), {@link org.ppruning.data.TaskKind}, {@link org.ppruning.data.Metric}.
 *   <li>What data looks like: {@link org.ppruning.data.Sample} (text, optional pair, label), {@link
 *       org.ppruning.data.QaSample} (question, context, answer spans), {@link
 *       org.ppruning.data.TextDocument} (plain text for language modelling), split into {@link
 *       org.ppruning.data.SplitData} by the one rule in {@link org.ppruning.data.Split}.
 *   <li>Built-in real data, fetched by coordinates and cached ({@link org.ppruning.data.Tasks}):
 *       {@code sentiment} ({@link org.ppruning.data.SentimentDataset}, stands in for SST-2), {@code
 *       grammar} ({@link org.ppruning.data.GrammarDataset}, for CoLA), {@code paraphrase} ({@link
 *       org.ppruning.data.ParaphraseDataset}, for MRPC/QQP), {@code spam} ({@link
 *       org.ppruning.data.SpamDataset}), {@code sotu} and {@code moby-dick} ({@link
 *       org.ppruning.data.SotuCorpus}, {@link org.ppruning.data.MobyDickCorpus}, language
 *       modelling). None of them is the benchmark it stands in for.
 *   <li>Readers for the official files users bring: {@link org.ppruning.data.GlueTsv} (all nine
 *       GLUE tasks, {@link org.ppruning.data.GlueTask}), {@link org.ppruning.data.SquadJson} (v1.1,
 *       v2.0), {@link org.ppruning.data.LmText} (WikiText, PTB), and JSON-lines samples ({@link
 *       org.ppruning.data.SampleFiles}).
 * </ul>
 *
 * <p>Readers never skip, truncate or clamp silently: a bad record stops the read with the file,
 * line and column or field and what was wrong; records a format requires skipping are documented on
 * the reader and counted.
 */
package org.ppruning.data;
