/** Retraining-free measurements of pre-trained (and pruned) models: masked-LM accuracy. */
package org.ppruning.eval;
