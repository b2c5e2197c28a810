using AgroNT.Transforms.ModelFolders;
using System.Globalization;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Modeling;
using AgroNT.MLNet.Training.FineTuning;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Onnx;
using AgroNT.Transforms.Tokenization;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static AgroNT.MLNet.Onnx.OnnxGraphBuilder;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace AgroNT.MLNet.Onnx;

/// <summary>
/// Writes an AgroNT (ESM) model as an ONNX model folder that <see cref="AgroNTOnnxEmbedder"/> and
/// <c>FeaturizeAgroNTOnnx</c> read: <c>model.onnx</c> (opset 17; weights inline, or in <c>model.onnx.data</c> for
/// large models), <c>config.json</c>, <c>vocab.txt</c>, <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c>.
/// </summary>
/// <remarks>
/// The graph takes int64 <c>input_ids</c> and <c>attention_mask</c> <c>[batch, sequence]</c> (both axes dynamic) and
/// computes exactly what Hugging Face's <c>EsmForMaskedLM</c> does: position ids <c>cumsum(ids != pad) * (ids != pad)
/// + pad</c>; word + position embeddings multiplied by the mask; pre-LayerNorm layers with the query scaled by
/// <c>1/sqrt(head)</c>, the additive mask <c>(1 - mask) * float.MinValue</c>, softmax (or all of that as ONNX Runtime's
/// fused <c>com.microsoft</c> <c>Attention</c>, see <see cref="OnnxExportOptions.Attention"/>) and exact erf GELU; the final
/// LayerNorm; the LM head (dense, GELU, LayerNorm, decoder + bias). Outputs: <c>last_hidden_state</c>, <c>logits</c>
/// (unless left out) and <c>hidden_state_L</c> for each requested layer. The graph is built with OnnxSharp's protobuf
/// classes; weights are streamed one tensor at a time, so a model folder is exported without loading it whole.
/// <para>ESM-2's variant is exported too: token dropout (<c>&lt;mask&gt;</c> rows zeroed, rows scaled by
/// <c>0.88 / (1 - masked fraction)</c>, as Hugging Face does in eval), rotary attention (no position table; query and
/// key rotated with cos/sin tables of the tokenizer's window, sliced to the input's length; such layers always use
/// standard operators, since the fused <c>Attention</c> cannot rotate), and a decoder tied to the word embeddings.</para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The opset the graph targets (LayerNormalization needs 17).</summary>
    public const int Opset = 17;

    /// <summary>The external weight file's name.</summary>
    public const string ExternalDataFileName = "model.onnx.data";

    /// <summary>Weights above this many bytes go to external data under <see cref="OnnxExternalData.Auto"/> (protobuf refuses messages of 2 GiB).</summary>
    public const long InlineLimitBytes = 1_800_000_000;

    /// <summary>The graph output holding a fine-tuned model's task-head score, <c>[batch, K]</c>.</summary>
    public const string ScoreOutputName = "score";

    /// <summary>Exports a loaded model (its weights are written as float32 whatever its precision).</summary>
    /// <param name="model">The model.</param>
    /// <param name="outputFolder">The folder to write; created if needed, its model files replaced.</param>
    /// <param name="options">Extra layers, logits, external data.</param>
    /// <returns>What was written.</returns>
    public static OnnxExportResult Export(AgroNTModel model, string outputFolder, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        var parameters = model.Network.state_dict();
        Tensor? Fetch(string name) => parameters.TryGetValue(name, out var tensor) ? tensor : null;
        return Export(model.Config, model.Tokenizer.Vocabulary, new WeightSource(model.Folder ?? "the model", Fetch, parameters.ContainsKey), outputFolder, options ?? new OnnxExportOptions(), head: null);
    }

    /// <summary>
    /// Exports a fine-tuned model: its encoder with the IA3 or LoRA adapters folded into the Linear weights
    /// (<see cref="AdapterMerging"/>), so the graph needs no adapter operators, and, unless
    /// <see cref="OnnxExportOptions.IncludeHead"/> is false, its task head as the output <see cref="ScoreOutputName"/>.
    /// The <c>last_hidden_state</c> and <c>hidden_state_L</c> outputs are the fine-tuned encoder's, so
    /// <c>FeaturizeAgroNTOnnx</c> on the folder gives the fine-tuned embeddings.
    /// </summary>
    /// <param name="model">The fine-tuned model (unchanged).</param>
    /// <param name="outputFolder">The folder to write; created if needed, its model files replaced.</param>
    /// <param name="options">Extra layers, logits, head, external data.</param>
    /// <returns>What was written.</returns>
    public static OnnxExportResult Export(FineTunedModel model, string outputFolder, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxExportOptions();
        using var scope = NewDisposeScope();
        var parameters = model.Model.Network.state_dict();
        var merged = AdapterMerging.MergedWeights(model);
        var head = model.Head.named_parameters().ToDictionary(p => $"classifier.{p.name}", p => (Tensor)p.parameter, StringComparer.Ordinal);
        Tensor? Fetch(string name) =>
            merged.TryGetValue(name, out var adapted) ? adapted
            : parameters.TryGetValue(name, out var own) ? own
            : head.TryGetValue(name, out var task) ? task
            : null;
        var (mean, scale) = model.TargetScaling;
        var spec = options.IncludeHead && !options.OnlyLayers
            ? new TaskHeadSpec(model.Pooling, model.Model.Tokenizer.Options.AddClsToken, model.OutputCount, model.ProblemType,
                model.ProblemType.IsClassification() ? null : [.. mean], model.ProblemType.IsClassification() ? null : [.. scale], model.Method)
            : null;
        var source = new WeightSource(model.Model.Folder ?? "the fine-tuned model", Fetch, name => Fetch(name) is not null);
        return Export(model.Model.Config, model.Model.Tokenizer.Vocabulary, source, outputFolder, options, spec);
    }

    /// <summary>
    /// Exports a Hugging Face model folder (or a Hub id in the local cache) that <see cref="AgroNTModel.Load"/> reads:
    /// pretrained, fine-tuned or saved by us. Weights are read one tensor at a time from the checkpoint. A folder saved by
    /// <see cref="FineTunedModel.Save"/> (it has <c>agront_finetuned.json</c>) is loaded whole and exported as
    /// <see cref="Export(FineTunedModel, string, OnnxExportOptions?)"/> does: adapters merged, task head as <c>score</c>.
    /// </summary>
    /// <param name="modelFolder">The folder with config.json, vocab.txt and the weights.</param>
    /// <param name="outputFolder">The folder to write.</param>
    /// <param name="options">Extra layers, logits, external data, checkpoint format.</param>
    /// <returns>What was written.</returns>
    public static OnnxExportResult Export(string modelFolder, string outputFolder, OnnxExportOptions? options = null)
    {
        options ??= new OnnxExportOptions();
        Native.TorchRuntime.Initialize();
        string folder = HuggingFaceModelLocator.Resolve(modelFolder);
        if (File.Exists(Path.Combine(folder, FineTunedModelManifest.FileName)))
        {
            // The folder's model.safetensors is the base encoder; the adapters and the head live beside it.
            using var fineTuned = FineTunedModel.Load(folder);
            return Export(fineTuned, outputFolder, options);
        }
        var config = EsmConfig.FromFile(folder);
        var vocabulary = TokenVocabulary.ReadModelFolder(folder);
        using var reader = CheckpointReader.Open(folder, options.CheckpointFormat);
        using var scope = NewDisposeScope();
        // A bare EsmModel checkpoint has no "esm." prefix (and no LM head).
        string? Key(string name) =>
            reader.Contains(name) ? name
            : name.StartsWith("esm.", StringComparison.Ordinal) && reader.Contains(name[4..]) ? name[4..]
            : null;
        Tensor? Fetch(string name) => Key(name) is { } key ? reader.ReadTensor(key, ScalarType.Float32) : null;
        return Export(config, vocabulary, new WeightSource(reader.Location, Fetch, name => Key(name) is not null), outputFolder, options, head: null);
    }

    private static OnnxExportResult Export(EsmConfig config, TokenVocabulary vocabulary, WeightSource weights, string outputFolder, OnnxExportOptions options, TaskHeadSpec? head)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        config.Validate();
        if (config.IsRotary && options.Attention == OnnxAttention.OnnxRuntime)
        {
            // The fused operator takes the raw projections and cannot rotate query and key: rotary models use standard ops.
            options = options with { Attention = OnnxAttention.Standard };
        }
        int depth = config.NumHiddenLayers;
        int[] layers = [.. options.Layers.Distinct().Order()];
        if (layers.Any(l => l < 0 || l > depth))
        {
            throw new ArgumentOutOfRangeException(nameof(options), string.Join(", ", layers), $"Layers must lie between 0 (embedding output) and {depth} (the last layer).");
        }
        if (options.OnlyLayers && layers.Length == 0)
        {
            throw new ArgumentException("OnlyLayers needs at least one entry in Layers.", nameof(options));
        }
        if (vocabulary.Count != config.VocabSize)
        {
            throw new FormatException($"vocab.txt has {vocabulary.Count} tokens but config.json says vocab_size {config.VocabSize}.");
        }

        Directory.CreateDirectory(outputFolder);
        string modelPath = Path.Combine(outputFolder, AgroNTOnnxEmbedder.ModelFileName);
        string dataPath = Path.Combine(outputFolder, ExternalDataFileName);
        int top = options.OnlyLayers ? layers[^1] : depth;
        bool logits = options.IncludeLogits && !options.OnlyLayers;
        long weightBytes = EstimateWeightBytes(config with { NumHiddenLayers = top }, logits);
        bool external = options.ExternalData switch
        {
            OnnxExternalData.Always => true,
            OnnxExternalData.Never when weightBytes > InlineLimitBytes => throw new ArgumentException(
                $"The weights take {weightBytes:N0} bytes, over what one protobuf message holds; use ExternalData Auto or Always.", nameof(options)),
            OnnxExternalData.Never => false,
            _ => weightBytes > InlineLimitBytes,
        };

        string token = Guid.NewGuid().ToString("N");
        string tempModel = $"{modelPath}.tmp-{token}";
        string tempData = $"{dataPath}.tmp-{token}";
        try
        {
            List<string> outputs;
            long written;
            ModelProto model;
            Action<long>? report = options.Progress is { } progress ? bytes => progress.Report(new OnnxExportProgress(bytes, weightBytes)) : null;
            using (var writer = new OnnxWeightWriter(external ? tempData : null, ExternalDataFileName, report))
            {
                var builder = new OnnxGraphBuilder("agront_esm", writer);
                outputs = BuildGraph(builder, config, weights, layers, top, logits, head, options.Attention);
                writer.Complete();
                written = writer.Bytes;
                model = new ModelProto
                {
                    IrVersion = 8,
                    ProducerName = "AgroNT.MLNet",
                    ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
                    DocString = "AgroNT (ESM masked language model) exported by AgroNT.MLNet; Hugging Face EsmForMaskedLM semantics.",
                    Graph = builder.Graph,
                };
            }
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
            if (options.Attention == OnnxAttention.OnnxRuntime && !config.IsRotary)
            {
                model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxGraphBuilder.MicrosoftDomain, Version = 1 });
            }
            model.MetadataProps.Add(new StringStringEntryProto { Key = "agront.num_hidden_layers", Value = depth.ToString(CultureInfo.InvariantCulture) });
            model.MetadataProps.Add(new StringStringEntryProto { Key = "agront.hidden_size", Value = config.HiddenSize.ToString(CultureInfo.InvariantCulture) });
            if (head is not null)
            {
                model.MetadataProps.Add(new StringStringEntryProto { Key = "agront.finetuning_method", Value = head.Method.ToString() });
                model.MetadataProps.Add(new StringStringEntryProto { Key = "agront.problem_type", Value = head.ProblemType.ToString() });
                model.MetadataProps.Add(new StringStringEntryProto { Key = "agront.head_pooling", Value = head.Pooling.ToString() });
            }
            using (var stream = new FileStream(tempModel, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                model.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }

            if (external)
            {
                File.Move(tempData, dataPath, overwrite: true);
            }
            else if (File.Exists(dataPath))
            {
                File.Delete(dataPath);
            }
            File.Move(tempModel, modelPath, overwrite: true);
            AgroNTModel.WriteText(Path.Combine(outputFolder, "config.json"), config.ToJson());
            AgroNTModel.SaveTokenizerFiles(vocabulary, outputFolder);
            return new OnnxExportResult(modelPath, external ? dataPath : null, outputs, written);
        }
        finally
        {
            File.Delete(tempModel);
            File.Delete(tempData);
        }
    }

    internal static long EstimateWeightBytes(EsmConfig c, bool logits)
    {
        long h = c.HiddenSize;
        long layer = 4 * (h * h + h) + 2 * h * c.IntermediateSize + c.IntermediateSize + h + 4 * h;
        long embeddings = (long)(c.VocabSize + c.MaxPositionEmbeddings) * h;
        long head = logits ? h * h + 3 * h + h * c.VocabSize + c.VocabSize : 0;
        return 4 * (embeddings + c.NumHiddenLayers * layer + 2 * h + head);
    }

    private static List<string> BuildGraph(
        OnnxGraphBuilder g, EsmConfig config, WeightSource weights, int[] layers, int top, bool includeLogits, TaskHeadSpec? head, OnnxAttention attention)
    {
        int depth = config.NumHiddenLayers, hidden = config.HiddenSize, heads = config.NumAttentionHeads, headSize = config.HeadSize;
        float eps = (float)config.LayerNormEps;
        g.Graph.Input.Add(Value(AgroNTOnnxEmbedder.InputIdsName, DataType.Int64, "batch", "sequence"));
        g.Graph.Input.Add(Value(AgroNTOnnxEmbedder.AttentionMaskName, DataType.Int64, "batch", "sequence"));
        var outputs = new List<string>();
        void Output(string value, string name, int width, bool perPosition = true)
        {
            if (value != name)
            {
                g.Node("Identity", [value], name);
            }
            g.Graph.Output.Add(perPosition ? Value(name, DataType.Float, "batch", "sequence", width) : Value(name, DataType.Float, "batch", width));
            outputs.Add(name);
        }

        string Weight(string name, bool transpose = false)
        {
            using var scope = NewDisposeScope();
            Tensor tensor = weights.Fetch(name) ?? throw new CheckpointFormatException(weights.Source, $"the weights have no tensor '{name}', which the ESM graph needs.");
            Tensor data = tensor.to(ScalarType.Float32, CPU);
            if (transpose)
            {
                // nn.Linear stores [out, in]; MatMul takes [in, out].
                data = data.t();
            }
            data = data.contiguous();
            return g.Weight(name, data.shape, data.data<float>().ToArray());
        }

        // Q, K and V projections packed side by side ([in, 3 x out] and [3 x out]), as ONNX Runtime's Attention takes them.
        (string Weight, string Bias) PackedQkv(string prefix)
        {
            using var scope = NewDisposeScope();
            Tensor Part(string name) =>
                (weights.Fetch(name) ?? throw new CheckpointFormatException(weights.Source, $"the weights have no tensor '{name}', which the ESM graph needs.")).to(ScalarType.Float32, CPU);
            string[] parts = ["query", "key", "value"];
            Tensor weight = cat([.. parts.Select(q => Part($"{prefix}.{q}.weight").t())], 1).contiguous();
            Tensor bias = cat([.. parts.Select(q => Part($"{prefix}.{q}.bias"))], 0).contiguous();
            return (g.Weight($"{prefix}.qkv.weight", weight.shape, weight.data<float>().ToArray()), g.Weight($"{prefix}.qkv.bias", bias.shape, bias.data<float>().ToArray()));
        }

        string LayerNorm(string x, string prefix) =>
            g.Node("LayerNormalization", [x, Weight(prefix + ".weight"), Weight(prefix + ".bias")], null,
                IntAttribute("axis", -1), FloatAttribute("epsilon", eps));

        string Linear(string x, string prefix) =>
            g.Node("Add", [g.Node("MatMul", [x, Weight(prefix + ".weight", transpose: true)]), Weight(prefix + ".bias")]);

        // erf GELU written as x * (1 + erf(x / sqrt 2)) * 0.5, the form ONNX Runtime fuses into one kernel.
        string Gelu(string x) =>
            g.Node("Mul", [g.Node("Mul", [x, g.Node("Add", [g.Node("Erf", [g.Node("Div", [x, g.Float(MathF.Sqrt(2f))])]), g.Float(1f)])]), g.Float(0.5f)]);

        // Embeddings. ESM position ids start at pad_token_id + 1 and pads keep pad_token_id; they come from the ids, not the mask.
        string ids = AgroNTOnnxEmbedder.InputIdsName, mask = AgroNTOnnxEmbedder.AttentionMaskName;
        string positions = "";
        if (!config.IsRotary)
        {
            string pad = g.Int64([config.PadTokenId], scalar: true);
            string notPad = g.Node("Cast", [g.Node("Not", [g.Node("Equal", [ids, pad])])], null, IntAttribute("to", (long)DataType.Int64));
            positions = g.Node("Add", [g.Node("Mul", [g.Node("CumSum", [notPad, g.Int64([1], scalar: true)]), notPad]), pad], "position_ids");
        }
        string maskFloat = g.Node("Cast", [mask], null, IntAttribute("to", (long)DataType.Float));
        string embedded = g.Node("Gather", [Weight("esm.embeddings.word_embeddings.weight"), ids]);
        if (config.TokenDropout)
        {
            // HF applies token dropout in eval too: <mask> rows zeroed, then (E * 0.88f) / (1 - n_mask / n_attended) per row.
            string isMask = g.Node("Cast", [g.Node("Equal", [ids, g.Int64([config.MaskTokenId], scalar: true)])], null, IntAttribute("to", (long)DataType.Float));
            embedded = g.Node("Mul", [embedded, g.Node("Unsqueeze", [g.Node("Sub", [g.Float(1f), isMask]), g.Int64([-1])])]);
            string ratio = g.Node("Div", [
                g.Node("ReduceSum", [isMask, g.Int64([1])], null, IntAttribute("keepdims", 1)),
                g.Node("ReduceSum", [maskFloat, g.Int64([1])], null, IntAttribute("keepdims", 1))]);
            string denominator = g.Node("Unsqueeze", [g.Node("Sub", [g.Float(1f), ratio]), g.Int64([-1])]);
            embedded = g.Node("Div", [g.Node("Mul", [embedded, g.Float((float)(1 - (0.15 * 0.8)))]), denominator]);
        }
        if (!config.IsRotary)
        {
            embedded = g.Node("Add", [embedded, g.Node("Gather", [Weight("esm.embeddings.position_embeddings.weight"), positions])]);
        }
        if (config.EmbLayerNormBefore)
        {
            embedded = LayerNorm(embedded, "esm.embeddings.layer_norm");
        }
        string state = g.Node("Mul", [embedded, g.Node("Unsqueeze", [maskFloat, g.Int64([-1])])], "embedding_output");
        bool fused = attention == OnnxAttention.OnnxRuntime;
        // (1 - mask) * float.MinValue, broadcast over heads and query positions: [batch, 1, 1, sequence]; the fused
        // operator takes the 0/1 mask itself, as int32.
        string additiveMask = fused ? "" : g.Node("Unsqueeze", [g.Node("Mul", [g.Node("Sub", [g.Float(1f), maskFloat]), g.Float(float.MinValue)]), g.Int64([1, 2])], "additive_mask");
        string maskIndex = fused ? g.Node("Cast", [mask], "mask_index", IntAttribute("to", (long)DataType.Int32)) : "";

        // Constants of the standard-op attention only: ONNX Runtime warns about unused initializers.
        string headShape = fused ? "" : g.Int64([0, 0, heads, headSize]);
        string mergedShape = fused ? "" : g.Int64([0, 0, hidden]);
        string scale = fused ? "" : g.Float((float)(1.0 / Math.Sqrt(headSize)));
        (string Cos, string Sin) rotary = config.IsRotary ? RotaryTables() : ("", "");

        // cos and sin of t * inv_freq for rows t = 0 .. T-1, sliced from tables of the tokenizer's window, as the
        // TorchSharp module computes them (float32 outer product, then cos and sin).
        (string Cos, string Sin) RotaryTables()
        {
            using var scope = NewDisposeScope();
            string key = $"esm.encoder.layer.0.attention.self.rotary_embeddings.{EsmRotaryEmbedding.BufferName}";
            using var module = new EsmRotaryEmbedding(headSize);
            Tensor inverse = weights.Fetch(key)?.to(ScalarType.Float32, CPU) ?? module.InverseFrequencies;
            for (int layer = 1; layer < depth && weights.Contains(key.Replace(".0.", $".{layer}.", StringComparison.Ordinal)); layer++)
            {
                if (!weights.Fetch(key.Replace(".0.", $".{layer}.", StringComparison.Ordinal))!.to(ScalarType.Float32, CPU).eq(inverse).all().item<bool>())
                {
                    throw new NotSupportedException($"The rotary inv_freq buffers differ between layer 0 and layer {layer}; the ONNX graph shares one table. Export with the buffers transformers computes.");
                }
            }
            module.InverseFrequencies.copy_(inverse);
            var (cos, sin) = module.Tables(Math.Max(config.MaxTokens, 1), ScalarType.Float32);
            string rows = g.Node("Shape", [ids], null, IntAttribute("start", 1), IntAttribute("end", 2));
            string Slice(string table) => g.Node("Slice", [table, g.Int64([0]), rows, g.Int64([0])]);
            return (Slice(g.Weight("rotary.cos", cos.shape, cos.contiguous().data<float>().ToArray())),
                Slice(g.Weight("rotary.sin", sin.shape, sin.contiguous().data<float>().ToArray())));
        }

        // x * cos + rotate_half(x) * sin on [batch, heads, T, head]; rotate_half(x) = [-x2, x1] (half split).
        string Rotate(string x)
        {
            long half = headSize / 2;
            string first = g.Node("Slice", [x, g.Int64([0]), g.Int64([half]), g.Int64([3])]);
            string second = g.Node("Slice", [x, g.Int64([half]), g.Int64([headSize]), g.Int64([3])]);
            string rotated = g.Node("Concat", [g.Node("Neg", [second]), first], null, IntAttribute("axis", 3));
            return g.Node("Add", [g.Node("Mul", [x, rotary.Cos]), g.Node("Mul", [rotated, rotary.Sin])]);
        }
        for (int i = 0; i <= Math.Min(top, depth); i++)
        {
            if (layers.Contains(i) && i < depth)
            {
                Output(state, AgroNTOnnxEmbedder.HiddenStatePrefix + i.ToString(CultureInfo.InvariantCulture), hidden);
            }
            if (i == depth || i == top)
            {
                break;
            }
            string p = $"esm.encoder.layer.{i}";
            string normed = LayerNorm(state, $"{p}.attention.LayerNorm");
            string Heads(string x, long[] perm) =>
                g.Node("Transpose", [g.Node("Reshape", [x, headShape])], null, IntsAttribute("perm", perm));
            // HF ESM scales the query by head_size^-0.5 before QK^T.
            string context;
            if (fused)
            {
                // com.microsoft Attention: one packed QKV GEMM, scores scaled by 1/sqrt(head) (HF scales the query
                // instead: the same product), masked keys at -10000 before the softmax (exp gives exactly 0 there).
                var (qkv, qkvBias) = PackedQkv($"{p}.attention.self");
                context = g.Node("Attention", [normed, qkv, qkvBias, maskIndex], null, OnnxGraphBuilder.MicrosoftDomain,
                    IntAttribute("num_heads", heads), FloatAttribute("scale", (float)(1.0 / Math.Sqrt(headSize))), FloatAttribute("mask_filter_value", -10000f));
            }
            else
            {
                string query = Heads(g.Node("Mul", [Linear(normed, $"{p}.attention.self.query"), scale]), [0, 2, 1, 3]);
                string keyT;
                if (config.IsRotary)
                {
                    // HF rotates the already scaled query, and the key, before QK^T.
                    query = Rotate(query);
                    keyT = g.Node("Transpose", [Rotate(Heads(Linear(normed, $"{p}.attention.self.key"), [0, 2, 1, 3]))], null, IntsAttribute("perm", 0, 1, 3, 2));
                }
                else
                {
                    keyT = Heads(Linear(normed, $"{p}.attention.self.key"), [0, 2, 3, 1]);
                }
                string value = Heads(Linear(normed, $"{p}.attention.self.value"), [0, 2, 1, 3]);
                string scores = g.Node("Add", [g.Node("MatMul", [query, keyT]), additiveMask]);
                string probabilities = g.Node("Softmax", [scores], null, IntAttribute("axis", -1));
                context = g.Node("Reshape", [g.Node("Transpose", [g.Node("MatMul", [probabilities, value])], null, IntsAttribute("perm", 0, 2, 1, 3)), mergedShape]);
            }
            state = g.Node("Add", [state, Linear(context, $"{p}.attention.output.dense")]);
            string intermediate = Gelu(Linear(LayerNorm(state, $"{p}.LayerNorm"), $"{p}.intermediate.dense"));
            state = g.Node("Add", [state, Linear(intermediate, $"{p}.output.dense")], $"layer_{i}_output");
        }

        if (top < depth)
        {
            return outputs;
        }
        string last = LayerNorm(state, "esm.encoder.emb_layer_norm_after");
        Output(last, AgroNTOnnxEmbedder.LastHiddenStateName, hidden);
        if (layers.Contains(depth))
        {
            Output(last, AgroNTOnnxEmbedder.HiddenStatePrefix + depth.ToString(CultureInfo.InvariantCulture), hidden);
        }
        if (includeLogits)
        {
            if (!weights.Contains(config.TieWordEmbeddings ? "lm_head.dense.weight" : EsmForMaskedLM.TiedDecoderKey))
            {
                throw new CheckpointFormatException(weights.Source, "the weights have no masked-language-model head (a bare encoder checkpoint); export with IncludeLogits = false (--no-logits).");
            }
            string lmHead = LayerNorm(Gelu(Linear(last, "lm_head.dense")), "lm_head.layer_norm");
            string decoder = config.TieWordEmbeddings ? TiedDecoder() : Weight(EsmForMaskedLM.TiedDecoderKey, transpose: true);
            string logits = g.Node("Add", [g.Node("MatMul", [lmHead, decoder]), Weight("lm_head.bias")]);
            Output(logits, "logits", config.VocabSize);
        }
        if (head is not null)
        {
            Output(TaskHead(last, head), ScoreOutputName, head.OutputCount, perPosition: false);
        }
        return outputs;

        // A tied head decodes with the word embeddings; MatMul needs them transposed, stored under the decoder's name.
        string TiedDecoder()
        {
            using var scope = NewDisposeScope();
            Tensor data = weights.Fetch("esm.embeddings.word_embeddings.weight")!.to(ScalarType.Float32, CPU).t().contiguous();
            return g.Weight(EsmForMaskedLM.TiedDecoderKey, data.shape, data.data<float>().ToArray());
        }

        // FineTunedModel.Forward and ToPredictions: pooled [batch, hidden] -> dense, tanh, out_proj -> [batch, K].
        string TaskHead(string hiddenStates, TaskHeadSpec spec)
        {
            string pooled;
            if (spec.Pooling == HeadPooling.Cls)
            {
                pooled = g.Node("Gather", [hiddenStates, g.Int64([0], scalar: true)], null, IntAttribute("axis", 1));
            }
            else
            {
                string weightsMask = maskFloat;
                if (spec.ExcludeCls)
                {
                    // Position 0 (<cls>) is left out whatever the mask says: a running count of ones is 1 there only.
                    string ones = g.Node("Add", [g.Node("Mul", [mask, g.Int64([0], scalar: true)]), g.Int64([1], scalar: true)]);
                    string notFirst = g.Node("Greater", [g.Node("CumSum", [ones, g.Int64([1], scalar: true)]), g.Int64([1], scalar: true)]);
                    weightsMask = g.Node("Mul", [maskFloat, g.Node("Cast", [notFirst], null, IntAttribute("to", (long)DataType.Float))]);
                }
                string sum = g.Node("ReduceSum", [g.Node("Mul", [hiddenStates, g.Node("Unsqueeze", [weightsMask, g.Int64([-1])])]), g.Int64([1])], null, IntAttribute("keepdims", 0));
                string count = g.Node("Max", [g.Node("ReduceSum", [weightsMask, g.Int64([1])], null, IntAttribute("keepdims", 1)), g.Float(1f)]);
                pooled = g.Node("Div", [sum, count]);
            }
            string score = Linear(g.Node("Tanh", [Linear(pooled, "classifier.dense")]), "classifier.out_proj");
            if (spec.TargetMean is { } mean && spec.TargetScale is { } scale)
            {
                // Regression heads predict standardized targets; the score is in the labels' units.
                score = g.Node("Add", [
                    g.Node("Mul", [score, g.Weight("score.target_scale", [scale.Length], scale)]),
                    g.Weight("score.target_mean", [mean.Length], mean)]);
            }
            return score;
        }
    }

    /// <summary>A fine-tuned model's task head as the graph computes it.</summary>
    private sealed record TaskHeadSpec(
        HeadPooling Pooling, bool ExcludeCls, int OutputCount, ProblemType ProblemType, float[]? TargetMean, float[]? TargetScale, FineTuningMethod Method);

    /// <summary>Where the weights come from: a name for messages, a reader of one float32 tensor, a presence test.</summary>
    private sealed record WeightSource(string Source, Func<string, Tensor?> Fetch, Func<string, bool> Contains);
}
