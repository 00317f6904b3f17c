package org.ppruning.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.model.CostModel;
import org.ppruning.model.ModelSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ppruning info DIR}: widths, parameters and FLOPs of a ppruning SavedModel. */
@Command(
    name = "info",
    description = "Show a ppruning SavedModel's architecture, widths, " + "parameters and FLOPs.")
final class InfoCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DIR", description = "A SavedModel written by ppruning.")
  Path dir;

  @Option(
      names = "--seq-len",
      description = "Sequence length for FLOPs (default 128, or the model's maximum if smaller).")
  Integer seqLen;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Path specFile = dir.resolve("assets").resolve(ModelSpec.ASSET_NAME);
    if (!Files.isRegularFile(specFile)) {
      throw new IllegalArgumentException(
          dir + " is not a ppruning SavedModel (no assets/" + ModelSpec.ASSET_NAME + ")");
    }
    ModelSpec spec = ModelSpec.read(specFile);
    if (seqLen == null) {
      seqLen = Math.min(128, spec.maxPositions());
    }
    if (seqLen <= 0 || seqLen > spec.maxPositions()) {
      throw new IllegalArgumentException(
          "--seq-len must be in 1.." + spec.maxPositions() + ", got " + seqLen);
    }
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("architecture", spec.architecture().id());
    o.put("layers", spec.numLayers());
    o.put("headsPerLayer", spec.headsPerLayer());
    o.put("ffnPerLayer", spec.ffnPerLayer());
    o.put("params", CostModel.totalParams(spec));
    o.put("flops", CostModel.encoderFlops(spec, seqLen));
    o.put("seqLen", seqLen);
    o.put("hiddenSize", spec.hiddenSize());
    o.put("headSize", spec.headSize());
    o.put("vocabSize", spec.vocabSize());
    o.put("maxPositions", spec.maxPositions());
    o.put("source", spec.source());
    if (json) {
      Json.print(o);
      return 0;
    }
    System.out.printf(
        "%s  %s, %d layers, hidden %d, head size %d, vocab %d, max %d positions%n",
        dir,
        spec.architecture().id(),
        spec.numLayers(),
        spec.hiddenSize(),
        spec.headSize(),
        spec.vocabSize(),
        spec.maxPositions());
    System.out.printf("source: %s%n", spec.source());
    System.out.printf(
        "parameters: %,d   encoder FLOPs at %d tokens: %,d%n",
        CostModel.totalParams(spec), seqLen, CostModel.encoderFlops(spec, seqLen));
    List<Long> flops = CostModel.layerFlops(spec, seqLen);
    System.out.printf("%5s %6s %6s %16s%n", "layer", "heads", "ffn", "FLOPs");
    for (int i = 0; i < spec.numLayers(); i++) {
      System.out.printf(
          "%5d %6d %6d %,16d%n",
          i, spec.layers().get(i).heads(), spec.layers().get(i).ffn(), flops.get(i));
    }
    return 0;
  }
}
