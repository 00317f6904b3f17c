/**
 * ONNX export: a ppruning BERT-family model (pruned or not, with or without its task head) as a
 * standard ONNX model that onnxruntime loads as it is. {@link org.ppruning.onnx.BertOnnxExporter}
 * writes the same maths as {@link org.ppruning.graph.BertGraph}; the messages are the project's own
 * subset of the ONNX IR ({@code src/main/proto/ppruning/onnx/onnx_ir.proto}, generated into {@code
 * org.ppruning.onnx.proto}). See docs/onnx.md.
 */
package org.ppruning.onnx;
