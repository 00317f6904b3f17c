/**
 * Compensation after P-pruning's selection: per layer, new output-projection rows and bias for the
 * kept heads and neurons that best reproduce the full layer's output on calibration tokens (ridge
 * least squares, see docs/pruning.md), or the dropped units' mean contribution added to the bias
 * only.
 */
package org.ppruning.pruning.compensation;
