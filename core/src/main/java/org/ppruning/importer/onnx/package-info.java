/**
 * Reads BERT-family encoders exported to ONNX (Hugging Face / PyTorch exports) into ppruning's
 * {@link org.ppruning.model.Weights} under Google BERT names, and runs the original file through
 * onnxruntime as a parity reference.
 *
 * <ul>
 *   <li>{@link org.ppruning.importer.onnx.OnnxModelReader} parses the ONNX protobuf directly (no
 *       generated classes) into an {@link org.ppruning.importer.onnx.OnnxModel}.
 *   <li>{@link org.ppruning.importer.onnx.OnnxBertImporter} maps its initializers, including the
 *       anonymous {@code onnx::MatMul_N} ones, to {@link org.ppruning.model.BertLayout} names.
 *   <li>{@link org.ppruning.importer.onnx.OnnxReference} runs the file for parity checks.
 * </ul>
 */
package org.ppruning.importer.onnx;
