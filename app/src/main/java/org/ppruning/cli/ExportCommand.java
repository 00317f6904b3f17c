package org.ppruning.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.graph.TransformerModel;
import org.ppruning.onnx.BertOnnxExporter;
import org.ppruning.onnx.proto.ModelProto;
import org.ppruning.onnx.proto.ValueInfoProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ppruning export DIR --format onnx --out FILE}: a ppruning SavedModel (pruned or not, with
 * its task head if it has one) as a standard ONNX file. The work is core's {@link
 * BertOnnxExporter}; docs/onnx.md describes the file.
 */
@Command(
    name = "export",
    description = "Write a ppruning SavedModel as a standard ONNX model (see docs/onnx.md).")
final class ExportCommand implements Callable<Integer> {
  static final List<String> FORMATS = List.of("onnx");

  @Parameters(index = "0", paramLabel = "DIR", description = "A SavedModel written by ppruning.")
  Path dir;

  @Option(
      names = "--format",
      required = true,
      description = "Output format: ${COMPLETION-CANDIDATES}.",
      completionCandidates = Formats.class)
  String format;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "The file to write.")
  Path out;

  @Option(names = "--force", description = "Replace FILE if it exists.")
  boolean force;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  /** The supported formats, for picocli's completion candidates. */
  static final class Formats extends java.util.ArrayList<String> {
    Formats() {
      super(FORMATS);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException(
          "unknown --format '" + format + "' (supported: " + String.join(", ", FORMATS) + ")");
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
    }
    if (Files.exists(out) && !force) {
      throw new IllegalArgumentException(out + " exists; pass --force to replace it");
    }
    long start = System.nanoTime();
    ModelProto model;
    long bytes;
    try (TransformerModel m = TransformerModel.load(dir)) {
      model = BertOnnxExporter.toModel(m.spec(), m.readWeights(), BuildVersion.version());
      bytes = BertOnnxExporter.write(model, out);
    }
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("file", out.toAbsolutePath().toString());
    o.put("format", format);
    o.put("opset", BertOnnxExporter.OPSET);
    o.put("irVersion", model.getIrVersion());
    o.put("bytes", bytes);
    o.put("inputs", model.getGraph().getInputList().stream().map(ValueInfoProto::getName).toList());
    o.put(
        "outputs", model.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toList());
    o.put("seconds", (System.nanoTime() - start) / 1e9);
    if (json) {
      Json.print(o);
    } else {
      System.out.printf(
          "wrote %s (%,d bytes, ONNX opset %d, IR %d)%n  inputs  %s%n  outputs %s%n",
          o.get("file"),
          bytes,
          BertOnnxExporter.OPSET,
          model.getIrVersion(),
          o.get("inputs"),
          o.get("outputs"));
    }
    return 0;
  }
}
