package org.ppruning.importer.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.importer.safetensors.HuggingFaceNames.Entry;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.Gpt2Layout;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TokenizerSpec;
import org.ppruning.model.Weights;
import org.ppruning.tokenize.Tokenizers;

/**
 * Imports a Hugging Face checkpoint directory ({@code config.json} plus {@code model.safetensors},
 * or shards listed in {@code model.safetensors.index.json}) of a BERT or GPT-2 model into a {@link
 * ModelSpec} and canonical {@link Weights}.
 *
 * <p>Accepted tensor names are those of {@code BertModel}, {@code BertForMaskedLM} and {@code
 * BertForPreTraining} (base weights with or without the {@code bert.} prefix; LayerNorm as {@code
 * weight/bias} or, in older checkpoints, {@code gamma/beta}) and of {@code GPT2Model} and {@code
 * GPT2LMHeadModel} (with or without {@code transformer.}). {@code nn.Linear} weights are stored
 * [out, in] and are transposed to TF kernels [in, out]; GPT-2's Conv1D weights are already [in,
 * out]. Every tensor in the checkpoint is accounted for:
 *
 * <ul>
 *   <li>mapped to a canonical weight (shape checked against the spec before any data is read);
 *   <li>a tied copy (BERT's MLM decoder weight and bias, GPT-2's {@code lm_head.weight}), accepted
 *       only if bit-identical to the weight it is tied to, since ppruning always ties them;
 *   <li>a known-unused buffer or head (BERT's {@code position_ids} and next-sentence head, GPT-2's
 *       attention-mask buffers): left out and listed in {@link Imported#skipped};
 *   <li>anything else is an error naming it.
 * </ul>
 *
 * <p>Config fields that change the model's maths in ways ppruning does not build (relative position
 * embeddings, decoder BERT, cross-attention, GPT-2's unscaled or layer-scaled attention) are
 * refused. When a config omits {@code hidden_act}, {@code layer_norm_eps}, {@code
 * activation_function} or {@code layer_norm_epsilon}, the Hugging Face class default applies
 * ({@code gelu}, 1e-12, {@code gelu_new}, 1e-5); {@code n_inner} null or absent means 4 {@code
 * n_embd}. Size fields are required.
 *
 * <pre>{@code
 * HuggingFaceImporter.Imported m = HuggingFaceImporter.importDir(dir, "my-bert");
 * m.spec(); m.weights(); m.skipped();
 * }</pre>
 */
public final class HuggingFaceImporter {

  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String TOKENIZER_CONFIG = "tokenizer_config.json";

  /**
   * An imported checkpoint.
   *
   * @param spec an unpruned spec built from {@code config.json}; pooler and MLM head set from the
   *     tensors present; tokenizer set if the directory has a {@code tokenizer.json}
   * @param weights canonical weights: exactly those {@code ModelLayout.of(spec)} lists, in its
   *     order
   * @param skipped checkpoint tensors (by their Hugging Face names) that are not in {@code
   *     weights}: known-unused buffers and heads, and tied copies verified equal to the weight they
   *     are tied to
   */
  public record Imported(ModelSpec spec, Weights weights, List<String> skipped) {
    public Imported {
      skipped = List.copyOf(skipped);
    }
  }

  private HuggingFaceImporter() {}

  /**
   * Imports the checkpoint in {@code dir}.
   *
   * @param source recorded as the spec's source; null records the directory path
   * @throws IOException if a file is missing, unreadable or not well-formed
   * @throws IllegalArgumentException if the config is unsupported, or the tensors do not match it
   *     (the message names every missing, misshapen, unknown or untied tensor)
   */
  public static Imported importDir(Path dir, String source) throws IOException {
    ConfigReader config = ConfigReader.read(dir.resolve(CONFIG));
    String modelType = config.text("model_type", null);
    try (Checkpoint ckpt = Checkpoint.open(dir)) {
      String src = source != null ? source : dir.toString();
      ModelSpec spec =
          switch (modelType) {
            case "bert" -> bertSpec(config, ckpt, src, tokenizer(dir, Architecture.BERT));
            case "gpt2" -> gpt2Spec(config, src, tokenizer(dir, Architecture.GPT2));
            default ->
                throw new IllegalArgumentException(
                    config.file
                        + ": model_type '"
                        + modelType
                        + "' is not supported (expected bert or gpt2)");
          };
      return load(spec, ckpt, dir);
    }
  }

  // ---------------------------------------------------------------- config

  private static ModelSpec bertSpec(
      ConfigReader c, Checkpoint ckpt, String source, TokenizerSpec tok) {
    int vocab = c.positive("vocab_size");
    int hidden = c.positive("hidden_size");
    int layers = c.positive("num_hidden_layers");
    int heads = c.positive("num_attention_heads");
    int ffn = c.positive("intermediate_size");
    int positions = c.positive("max_position_embeddings");
    int types = c.positive("type_vocab_size");
    Activation act = c.activation("hidden_act", "gelu");
    double eps = c.positiveNumber("layer_norm_eps", 1e-12);
    c.mustBe("position_embedding_type", "absolute");
    c.mustBeFalse("is_decoder");
    c.mustBeFalse("add_cross_attention");
    boolean hasPooler = false;
    boolean hasMlm = false;
    for (String name : ckpt.names()) {
      String key =
          name.startsWith(HuggingFaceNames.BERT_PREFIX)
              ? name.substring(HuggingFaceNames.BERT_PREFIX.length())
              : name;
      hasPooler |= key.startsWith("pooler.");
      hasMlm |= name.startsWith("cls.predictions.");
    }
    boolean pooler = hasPooler;
    boolean mlm = hasMlm;
    return c.spec(
        () ->
            ModelSpec.unpruned(
                Architecture.BERT,
                vocab,
                hidden,
                layers,
                heads,
                ffn,
                positions,
                types,
                act,
                eps,
                pooler,
                mlm,
                source,
                tok));
  }

  private static ModelSpec gpt2Spec(ConfigReader c, String source, TokenizerSpec tok) {
    int vocab = c.positive("vocab_size");
    int hidden = c.positive("n_embd");
    int layers = c.positive("n_layer");
    int heads = c.positive("n_head");
    Integer inner = c.optionalPositive("n_inner");
    int ffn = inner != null ? inner : 4 * hidden;
    int positions = c.positive("n_positions");
    Activation act = c.activation("activation_function", "gelu_new");
    double eps = c.positiveNumber("layer_norm_epsilon", 1e-5);
    c.mustBeTrue("scale_attn_weights");
    c.mustBeFalse("scale_attn_by_inverse_layer_idx");
    c.mustBeFalse("add_cross_attention");
    return c.spec(
        () ->
            ModelSpec.unpruned(
                Architecture.GPT2,
                vocab,
                hidden,
                layers,
                heads,
                ffn,
                positions,
                0,
                act,
                eps,
                false,
                false,
                source,
                tok));
  }

  /**
   * The tokenizer kind if {@code tokenizer.json} exists: WordPiece or BPE from its model type;
   * lower-casing from {@code tokenizer_config.json}'s {@code do_lower_case}, else from a {@code
   * BertNormalizer}'s {@code lowercase}, else true for BERT and false for GPT-2.
   */
  static TokenizerSpec tokenizer(Path dir, Architecture arch) throws IOException {
    Path tokFile = dir.resolve(TOKENIZER);
    if (!Files.exists(tokFile)) {
      return null;
    }
    TokenizerSpec fromJson = Tokenizers.describe(tokFile, arch == Architecture.BERT);
    boolean lowercase = fromJson.lowercase();
    Path tokConfig = dir.resolve(TOKENIZER_CONFIG);
    if (Files.exists(tokConfig)) {
      JsonNode lower = ConfigReader.read(tokConfig).root.path("do_lower_case");
      if (lower.isBoolean()) {
        lowercase = lower.booleanValue();
      } else if (!lower.isMissingNode() && !lower.isNull()) {
        throw new IllegalArgumentException(
            tokConfig + ": do_lower_case must be true or false, got " + lower);
      }
    }
    return new TokenizerSpec(fromJson.type(), lowercase);
  }

  // ---------------------------------------------------------------- tensors

  /** A checkpoint tensor that duplicates a canonical weight. */
  private record Tie(String name, String canonical) {}

  private static Imported load(ModelSpec spec, Checkpoint ckpt, Path dir) throws IOException {
    Architecture arch = spec.architecture();
    String prefix = HuggingFaceNames.basePrefix(arch);
    Map<String, Entry> table = HuggingFaceNames.table(spec);
    Map<String, long[]> shapes = ModelLayout.of(spec).shapes();
    boolean bert = arch == Architecture.BERT;
    // An old checkpoint may carry the MLM output bias only as the decoder's bias.
    boolean decoderBiasIsOutputBias =
        bert
            && ckpt.contains(HuggingFaceNames.BERT_DECODER_BIAS)
            && !ckpt.contains(HuggingFaceNames.BERT_OUTPUT_BIAS);

    Map<String, String> chosen = new LinkedHashMap<>(); // canonical -> checkpoint name
    List<Tie> ties = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    boolean anyPrefixed = false;

    for (String name : ckpt.names()) {
      SafetensorsFile.TensorInfo info = ckpt.info(name);
      boolean prefixed = name.startsWith(prefix);
      anyPrefixed |= prefixed;
      String key = prefixed ? name.substring(prefix.length()) : name;
      if (bert) {
        // older BERT checkpoints name LayerNorm parameters gamma/beta
        key =
            key.replaceAll("\\.LayerNorm\\.gamma$", ".LayerNorm.weight")
                .replaceAll("\\.LayerNorm\\.beta$", ".LayerNorm.bias");
        if (decoderBiasIsOutputBias && key.equals(HuggingFaceNames.BERT_DECODER_BIAS)) {
          key = HuggingFaceNames.BERT_OUTPUT_BIAS;
        }
      }
      Entry e = table.get(key);
      if (e != null && !(e.head() && prefixed)) {
        String before = chosen.putIfAbsent(e.canonical(), name);
        if (before != null) {
          problems.add(
              "tensors '" + before + "' and '" + name + "' both map to '" + e.canonical() + "'");
          continue;
        }
        long[] want = HuggingFaceNames.hfShape(e, shapes.get(e.canonical()));
        if (!Arrays.equals(info.shape(), want)) {
          problems.add(
              "tensor '"
                  + name
                  + "' in "
                  + ckpt.fileOf(name).getFileName()
                  + " has shape "
                  + info.shapeString()
                  + ", expected "
                  + Arrays.toString(want)
                  + " (canonical '"
                  + e.canonical()
                  + "' "
                  + Arrays.toString(shapes.get(e.canonical()))
                  + (e.transpose() ? ", stored transposed)" : ")"));
        }
      } else if (!prefixed && bert && key.equals(HuggingFaceNames.BERT_DECODER_WEIGHT)) {
        ties.add(new Tie(name, BertLayout.WORD_EMBEDDINGS));
      } else if (!prefixed && bert && key.equals(HuggingFaceNames.BERT_DECODER_BIAS)) {
        ties.add(new Tie(name, BertLayout.MLM_OUTPUT_BIAS));
      } else if (!prefixed && !bert && key.equals(HuggingFaceNames.GPT2_LM_HEAD)) {
        ties.add(new Tie(name, Gpt2Layout.WTE));
      } else if (HuggingFaceNames.knownUnused(spec, key) && !(key.startsWith("cls.") && prefixed)) {
        skipped.add(name);
      } else {
        unknown.add("'" + name + "' " + info.dtype() + " " + info.shapeString());
      }
    }
    if (!unknown.isEmpty()) {
      problems.add(
          "unknown tensor(s) "
              + String.join(", ", unknown)
              + " (neither a weight of"
              + " this "
              + arch.id()
              + " model nor a known unused buffer)");
    }
    for (Entry e : table.values()) {
      if (!chosen.containsKey(e.canonical())) {
        String expected = (e.head() || !anyPrefixed ? "" : prefix) + e.hf();
        problems.add(
            "missing tensor '"
                + expected
                + "' "
                + Arrays.toString(HuggingFaceNames.hfShape(e, shapes.get(e.canonical())))
                + " (canonical '"
                + e.canonical()
                + "')");
      }
    }
    for (Tie t : ties) {
      long[] want = shapes.get(t.canonical());
      if (!Arrays.equals(ckpt.info(t.name()).shape(), want)) {
        problems.add(
            "tied tensor '"
                + t.name()
                + "' has shape "
                + ckpt.info(t.name()).shapeString()
                + ", but '"
                + t.canonical()
                + "' it is tied to is "
                + Arrays.toString(want));
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "checkpoint "
              + dir
              + " does not match its config.json ("
              + arch.id()
              + ", "
              + describe(spec)
              + "): "
              + String.join("; ", problems));
    }

    // Headers agree with the spec: now read the data, in layout order.
    Weights weights = new Weights();
    for (Entry e : table.values()) {
      String name = chosen.get(e.canonical());
      FloatTensor t = ckpt.read(name);
      weights.put(e.canonical(), e.transpose() ? t.transpose2d() : t);
    }
    for (Tie t : ties) {
      checkTied(ckpt.read(t.name()), weights.get(t.canonical()), t, chosen.get(t.canonical()), dir);
      skipped.add(t.name());
    }
    ModelLayout.of(spec).check(weights, dir.toString());
    return new Imported(spec, weights, skipped);
  }

  private static void checkTied(
      FloatTensor copy, FloatTensor target, Tie t, String targetName, Path dir) {
    if (Arrays.equals(copy.data(), target.data())) {
      return;
    }
    float[] a = copy.data();
    float[] b = target.data();
    int worst = -1;
    double max = -1;
    int differing = 0;
    for (int i = 0; i < a.length; i++) {
      if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) {
        differing++;
        double d = Math.abs((double) a[i] - b[i]);
        if (worst < 0 || d > max || Double.isNaN(d)) {
          max = d;
          worst = i;
        }
      }
    }
    throw new IllegalArgumentException(
        "checkpoint "
            + dir
            + ": tensor '"
            + t.name()
            + "' differs from '"
            + targetName
            + "' in "
            + differing
            + " of "
            + a.length
            + " values (max |diff| "
            + max
            + " at element "
            + worst
            + "); ppruning always ties it to '"
            + t.canonical()
            + "', so an untied checkpoint cannot be imported faithfully");
  }

  private static String describe(ModelSpec s) {
    return s.numLayers()
        + " layers, hidden "
        + s.hiddenSize()
        + ", "
        + s.originalHeads()
        + " heads, ffn "
        + s.originalFfn()
        + ", vocab "
        + s.vocabSize()
        + ", positions "
        + s.maxPositions()
        + (s.architecture() == Architecture.BERT
            ? ", token types "
                + s.typeVocabSize()
                + ", pooler "
                + s.pooler()
                + ", MLM head "
                + s.mlmHead()
            : "");
  }

  // ---------------------------------------------------------------- files

  /** The tensors of one file or of every shard of an index, by name. */
  private static final class Checkpoint implements Closeable {
    private final List<SafetensorsFile> files = new ArrayList<>();
    private final Map<String, SafetensorsFile> byName = new LinkedHashMap<>();

    static Checkpoint open(Path dir) throws IOException {
      Checkpoint c = new Checkpoint();
      try {
        Path single = dir.resolve(WEIGHTS);
        Path index = dir.resolve(INDEX);
        if (Files.exists(single)) {
          c.add(SafetensorsFile.open(single));
        } else if (Files.exists(index)) {
          c.openShards(dir, index);
        } else {
          String hint =
              Files.exists(dir.resolve("pytorch_model.bin"))
                  ? " (pytorch_model.bin is a pickle and is not read: convert it to safetensors)"
                  : "";
          throw new NoSuchFileException(
              dir.toString(), null, "no " + WEIGHTS + " or " + INDEX + " in the directory" + hint);
        }
        return c;
      } catch (IOException | RuntimeException e) {
        c.close();
        throw e;
      }
    }

    private void add(SafetensorsFile f) {
      files.add(f);
      for (String n : f.names()) {
        SafetensorsFile before = byName.putIfAbsent(n, f);
        if (before != null) {
          throw new IllegalArgumentException(
              "tensor '" + n + "' is in both " + before.path() + " and " + f.path());
        }
      }
    }

    private void openShards(Path dir, Path index) throws IOException {
      JsonNode map = ConfigReader.read(index).root.path("weight_map");
      if (!map.isObject() || map.isEmpty()) {
        throw new IOException(index + ": needs a non-empty 'weight_map' object");
      }
      Map<String, String> wanted = new LinkedHashMap<>(); // tensor -> shard file name
      Map<String, List<String>> byShard = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String shard = e.getValue().textValue();
        if (shard == null
            || shard.isEmpty()
            || shard.contains("/")
            || shard.contains("\\")
            || shard.equals("..")
            || shard.equals(".")) {
          throw new IOException(
              index
                  + ": tensor '"
                  + e.getKey()
                  + "' maps to '"
                  + e.getValue()
                  + "', which is not a file name in the directory");
        }
        wanted.put(e.getKey(), shard);
        byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(e.getKey());
      }
      for (Map.Entry<String, List<String>> s : byShard.entrySet()) {
        Path shardFile = dir.resolve(s.getKey());
        if (!Files.exists(shardFile)) {
          throw new NoSuchFileException(
              shardFile.toString(),
              null,
              "shard listed in "
                  + index
                  + " for "
                  + s.getValue().size()
                  + " tensors (e.g. '"
                  + s.getValue().get(0)
                  + "') is missing");
        }
        add(SafetensorsFile.open(shardFile));
      }
      // every shard is open: each disagreement can name both places
      for (SafetensorsFile f : files) {
        String shard = f.path().getFileName().toString();
        for (String n : f.names()) {
          if (!shard.equals(wanted.get(n))) {
            throw new IllegalArgumentException(
                f.path()
                    + " holds tensor '"
                    + n
                    + "', which "
                    + index.getFileName()
                    + " "
                    + (wanted.containsKey(n) ? "places in " + wanted.get(n) : "does not list"));
          }
        }
      }
      for (Map.Entry<String, String> w : wanted.entrySet()) {
        if (!byName.containsKey(w.getKey())) {
          throw new IllegalArgumentException(
              index
                  + " places tensor '"
                  + w.getKey()
                  + "' in "
                  + w.getValue()
                  + ", which does not hold it");
        }
      }
    }

    Iterable<String> names() {
      return byName.keySet();
    }

    boolean contains(String name) {
      return byName.containsKey(name);
    }

    SafetensorsFile.TensorInfo info(String name) {
      return byName.get(name).info(name);
    }

    Path fileOf(String name) {
      return byName.get(name).path();
    }

    FloatTensor read(String name) throws IOException {
      return byName.get(name).read(name);
    }

    @Override
    public void close() throws IOException {
      IOException first = null;
      for (SafetensorsFile f : files) {
        try {
          f.close();
        } catch (IOException e) {
          first = first == null ? e : first;
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }

  /** Typed reads of a JSON config, each error naming the file and field. */
  private static final class ConfigReader {
    final Path file;
    final JsonNode root;

    private ConfigReader(Path file, JsonNode root) {
      this.file = file;
      this.root = root;
    }

    static ConfigReader read(Path file) throws IOException {
      String text = Files.readString(file);
      JsonNode root;
      try {
        root = SafetensorsFile.JSON.readTree(text);
      } catch (JsonProcessingException e) {
        throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
      }
      if (root == null || !root.isObject()) {
        throw new IOException(file + " must hold a JSON object");
      }
      return new ConfigReader(file, root);
    }

    private JsonNode present(String field) {
      JsonNode n = root.get(field);
      return n == null || n.isNull() ? null : n;
    }

    int positive(String field) {
      Integer v = optionalPositive(field);
      if (v == null) {
        throw new IllegalArgumentException(file + ": required field '" + field + "' is missing");
      }
      return v;
    }

    Integer optionalPositive(String field) {
      JsonNode n = present(field);
      if (n == null) {
        return null;
      }
      if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() <= 0) {
        throw new IllegalArgumentException(
            file + ": '" + field + "' must be a positive integer, got " + n);
      }
      return n.intValue();
    }

    double positiveNumber(String field, double dflt) {
      JsonNode n = present(field);
      if (n == null) {
        return dflt;
      }
      if (!n.isNumber() || !(n.doubleValue() > 0)) {
        throw new IllegalArgumentException(
            file + ": '" + field + "' must be a positive number, got " + n);
      }
      return n.doubleValue();
    }

    String text(String field, String dflt) {
      JsonNode n = present(field);
      if (n == null) {
        if (dflt == null) {
          throw new IllegalArgumentException(file + ": required field '" + field + "' is missing");
        }
        return dflt;
      }
      if (!n.isTextual()) {
        throw new IllegalArgumentException(file + ": '" + field + "' must be a string, got " + n);
      }
      return n.textValue();
    }

    Activation activation(String field, String dflt) {
      String id = text(field, dflt);
      try {
        return Activation.of(id);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": '" + field + "': " + e.getMessage(), e);
      }
    }

    void mustBe(String field, String required) {
      JsonNode n = present(field);
      if (n != null && !required.equals(n.textValue())) {
        throw new IllegalArgumentException(
            file + ": " + field + " " + n + " is not supported (only \"" + required + "\")");
      }
    }

    void mustBeFalse(String field) {
      mustBeFlag(field, false);
    }

    void mustBeTrue(String field) {
      mustBeFlag(field, true);
    }

    private void mustBeFlag(String field, boolean required) {
      JsonNode n = present(field);
      if (n != null && !(n.isBoolean() && n.booleanValue() == required)) {
        throw new IllegalArgumentException(
            file
                + ": "
                + field
                + "="
                + n
                + " is not supported (ppruning builds only "
                + field
                + "="
                + required
                + ")");
      }
    }

    ModelSpec spec(java.util.function.Supplier<ModelSpec> build) {
      try {
        return build.get();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
      }
    }
  }
}
