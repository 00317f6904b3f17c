/**
 * The pruning report as data and as pictures: {@link org.ppruning.pruning.report.ReportData} holds
 * what a run decided (per layer, the units kept, their salience and the dendrogram merge heights
 * the threshold cut; the FLOPs and parameter budget split between attention and FFN); {@link
 * org.ppruning.pruning.report.ReportJson} writes it as {@code pruning-report.json} (schema {@code
 * ppruning-report/1}, docs/pruning.md) and {@link org.ppruning.pruning.report.ReportHtml} as a
 * self-contained {@code pruning-report.html} with inline SVG charts (no script, no network), one
 * small class per chart. {@code org.ppruning.pruning.run.PruningReport} builds the data from a run.
 */
package org.ppruning.pruning.report;
