/**
 * Text to token ids for the models ppruning prunes: Hugging Face {@code tokenizer.json} files
 * generated from the vocabularies found in the registries ({@link
 * org.ppruning.tokenize.TokenizerFiles}), a batch encoder over DJL's Hugging Face tokenizers that
 * pads but never truncates ({@link org.ppruning.tokenize.TextTokenizer}), and factories that put
 * the two together ({@link org.ppruning.tokenize.Tokenizers}).
 */
package org.ppruning.tokenize;
