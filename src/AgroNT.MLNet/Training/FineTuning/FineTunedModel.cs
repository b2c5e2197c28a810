using AgroNT.MLNet.Native;
using AgroNT.MLNet.Checkpoints;
using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Embeddings;
using AgroNT.Transforms.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// An AgroNT encoder fine-tuned for one task: the encoder (with IA3 or LoRA adapters attached, or its own trained
/// weights), the pooling rule and the task head. It predicts probabilities (classification) or values (regression),
/// and saves as a Hugging Face-style folder.
/// </summary>
/// <remarks>
/// <para>The saved folder is the encoder's Hugging Face folder (config.json, model.safetensors, vocab.txt and the
/// tokenizer files, loadable by transformers and <see cref="AgroNTModel.Load"/>), plus
/// <c>adapter_model.safetensors</c> (IA3 or LoRA weights; absent for full fine-tuning), <c>head.safetensors</c>
/// (<c>classifier.dense.*</c>, <c>classifier.out_proj.*</c>) and <c>agront_finetuned.json</c>, the versioned manifest
/// that names everything else. For IA3 and LoRA the encoder weights are the unchanged base model's.</para>
/// <para>Calls are serialised: one forward pass at a time on the model.</para>
/// </remarks>
public sealed class FineTunedModel : IDisposable
{
    private readonly EncoderAdapters _adapters;
    private readonly float[] _targetMean;
    private readonly float[] _targetScale;
    private readonly object _gate = new();
    private bool _disposed;

    internal FineTunedModel(
        AgroNTModel model, SequenceTaskHead head, EncoderAdapters adapters, ProblemType problemType, int outputCount,
        HeadPooling pooling, LoraOptions lora, float[] targetMean, float[] targetScale)
    {
        Model = model;
        Head = head;
        _adapters = adapters;
        ProblemType = problemType;
        OutputCount = outputCount;
        Pooling = pooling;
        Lora = lora;
        _targetMean = targetMean;
        _targetScale = targetScale;
    }

    /// <summary>The encoder (with its tokenizer). Its weights are the base model's unless the method is <see cref="FineTuningMethod.Full"/>.</summary>
    public AgroNTModel Model { get; }

    /// <summary>The task head.</summary>
    public SequenceTaskHead Head { get; }

    /// <summary>How the encoder was adapted.</summary>
    public FineTuningMethod Method => _adapters.Method;

    /// <summary>What the model predicts.</summary>
    public ProblemType ProblemType { get; }

    /// <summary>Outputs per sequence: 1 for binary and regression tasks, the label count otherwise.</summary>
    public int OutputCount { get; }

    /// <summary>How the head pools the encoder output.</summary>
    public HeadPooling Pooling { get; }

    /// <summary>The LoRA settings (meaningful when <see cref="Method"/> is LoRA).</summary>
    public LoraOptions Lora { get; }

    /// <summary>The training curve and early-stopping outcome; empty for a model loaded without one.</summary>
    public FineTuningHistory History { get; internal set; } = FineTuningHistory.Empty;

    /// <summary>Parameters that fine-tuning changed: adapters and head, or the whole encoder and the head.</summary>
    public long TrainableParameterCount => Head.parameters().Sum(p => p.numel())
        + (Method == FineTuningMethod.Full ? Model.Network.Esm.parameters().Sum(p => p.numel()) : _adapters.ParameterCount);

    /// <summary>Every parameter used for a prediction: encoder (without the unused MLM head), adapters and head.</summary>
    public long TotalParameterCount => Model.Network.Esm.parameters().Sum(p => p.numel()) + _adapters.ParameterCount + Head.parameters().Sum(p => p.numel());

    /// <summary>Per-output mean subtracted from regression targets while training (0 for classification).</summary>
    internal IReadOnlyList<float> TargetMean => _targetMean;

    /// <summary>Per-output scale dividing regression targets while training (1 for classification).</summary>
    internal IReadOnlyList<float> TargetScale => _targetScale;

    /// <summary>The adapter parameters by name (empty for full fine-tuning).</summary>
    internal IReadOnlyList<(string Name, Parameter Parameter)> AdapterParameters => _adapters.NamedParameters;

    /// <summary>Regression targets' means and scales (predictions are <c>output * scale + mean</c>); empty for classification.</summary>
    internal (IReadOnlyList<float> Mean, IReadOnlyList<float> Scale) TargetScaling => (_targetMean, _targetScale);

    /// <summary>
    /// Predicts sequences, in order: per sequence <see cref="OutputCount"/> values, probabilities (sigmoid of the
    /// head's logits) for classification and values in the labels' units for regression.
    /// </summary>
    /// <param name="sequences">DNA text; long inputs follow the tokenizer's length policy.</param>
    /// <param name="batchSize">Sequences per forward pass.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One array of <see cref="OutputCount"/> values per sequence.</returns>
    public IReadOnlyList<float[]> Predict(IReadOnlyList<string> sequences, int batchSize = 16, CancellationToken cancellationToken = default) =>
        PredictCore(sequences, batchSize, ToPredictions, cancellationToken);

    /// <summary>
    /// Predicts sequences read on <paramref name="strand"/>: <see cref="Strand.Forward"/> is
    /// <see cref="Predict(IReadOnlyList{string}, int, CancellationToken)"/>; <see cref="Strand.Reverse"/> predicts each
    /// sequence's reverse complement (<see cref="StrandText.ReverseComplement"/>); <see cref="Strand.Both"/> is the mean of
    /// the two, output by output (of the probabilities for classification, of the values in label units for regression).
    /// </summary>
    /// <param name="sequences">DNA text.</param>
    /// <param name="strand">The strand read.</param>
    /// <param name="batchSize">Sequences per forward pass.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One array of <see cref="OutputCount"/> values per sequence.</returns>
    public IReadOnlyList<float[]> Predict(IReadOnlyList<string> sequences, Strand strand, int batchSize = 16, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (!Enum.IsDefined(strand))
        {
            throw new ArgumentOutOfRangeException(nameof(strand), strand, "strand must be Forward, Reverse or Both.");
        }
        if (strand == Strand.Forward)
        {
            return Predict(sequences, batchSize, cancellationToken);
        }
        var reverse = Predict([.. sequences.Select((s, i) => StrandText.ReverseComplement(s, Model.Tokenizer.Options, $"#{i + 1}"))], batchSize, cancellationToken);
        if (strand == Strand.Reverse)
        {
            return reverse;
        }
        var forward = Predict(sequences, batchSize, cancellationToken);
        return [.. forward.Select((f, i) => f.Select((v, k) => (v + reverse[i][k]) / 2).ToArray())];
    }

    /// <summary>
    /// The head's outputs in ML.NET's score convention: logits for classification (the probability is their
    /// sigmoid), values in label units for regression.
    /// </summary>
    internal IReadOnlyList<float[]> PredictScores(IReadOnlyList<string> sequences, int batchSize, CancellationToken cancellationToken = default) =>
        PredictCore(sequences, batchSize, outputs => ProblemType.IsClassification() ? outputs : ToPredictions(outputs), cancellationToken);

    private IReadOnlyList<float[]> PredictCore(IReadOnlyList<string> sequences, int batchSize, Func<Tensor, Tensor> map, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var ids = sequences.Select((s, i) => Model.Tokenizer.EncodeToIds(s, $"#{i + 1}")).ToList();
        var results = new float[sequences.Count][];
        // Sorted by length; a batch is packed end to end (no padding computed), so results do not depend on the batch.
        int[] order = [.. Enumerable.Range(0, ids.Count).OrderBy(i => ids[i].Length)];
        for (int start = 0; start < order.Length; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int[] batch = order[start..Math.Min(order.Length, start + batchSize)];
            float[] outputs;
            lock (_gate)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                SetTraining(false);
                outputs = map(ForwardPacked([.. batch.Select(i => ids[i])])).to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
            }
            for (int r = 0; r < batch.Length; r++)
            {
                results[batch[r]] = outputs.AsSpan(r * OutputCount, OutputCount).ToArray();
            }
        }
        return results;
    }

    /// <summary>Predicts one sequence; see <see cref="Predict(IReadOnlyList{string}, int, CancellationToken)"/>.</summary>
    /// <param name="sequence">DNA text.</param>
    /// <returns><see cref="OutputCount"/> probabilities or values.</returns>
    public float[] Predict(string sequence) => Predict([sequence])[0];

    /// <summary>
    /// Saves the model as a folder: the encoder's Hugging Face files, <c>adapter_model.safetensors</c>,
    /// <c>head.safetensors</c> and the <c>agront_finetuned.json</c> manifest. Files are written to temporary names and
    /// renamed; the manifest is written last, so a folder without it is an interrupted save.
    /// </summary>
    /// <param name="folder">The folder, created if needed; same-named files in it are replaced.</param>
    public void Save(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Directory.CreateDirectory(folder);
        string manifestPath = Path.Combine(folder, FineTunedModelManifest.FileName);
        if (File.Exists(manifestPath))
        {
            File.Delete(manifestPath);
        }
        lock (_gate)
        {
            Model.Save(folder);
            string adapterPath = Path.Combine(folder, FineTunedModelManifest.AdapterFileName);
            if (_adapters.NamedParameters.Count > 0)
            {
                SaveTensors(_adapters.NamedParameters.Select(p => KeyValuePair.Create(p.Name, (Tensor)p.Parameter)), adapterPath);
            }
            else if (File.Exists(adapterPath))
            {
                File.Delete(adapterPath);
            }
            SaveTensors(Head.named_parameters().Select(p => KeyValuePair.Create($"classifier.{p.name}", (Tensor)p.parameter)),
                Path.Combine(folder, FineTunedModelManifest.HeadFileName));
        }
        FineTunedModelManifest.FromModel(this, _targetMean, _targetScale).Write(manifestPath);
    }

    /// <summary>Loads a folder written by <see cref="Save"/>.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="device">Torch device (<c>cpu</c> by default).</param>
    /// <returns>The model, ready to predict.</returns>
    /// <exception cref="FileNotFoundException">The manifest or a weight file is missing.</exception>
    /// <exception cref="FormatException">The manifest is not one this version reads, or a weight is missing or mis-shaped.</exception>
    public static FineTunedModel Load(string folder, string device = "cpu")
    {
        ArgumentNullException.ThrowIfNull(folder);
        var manifest = FineTunedModelManifest.Read(Path.Combine(folder, FineTunedModelManifest.FileName));
        var model = AgroNTModel.LoadHuggingFaceFolder(Path.GetFullPath(folder), new AgroNTModelOptions { Device = device, Tokenizer = manifest.Tokenizer });
        SequenceTaskHead? head = null;
        EncoderAdapters? adapters = null;
        try
        {
            head = new SequenceTaskHead(model.Config.HiddenSize, manifest.OutputCount, model.Config.HiddenDropoutProb, model.Device, model.DType);
            adapters = EncoderAdapters.Create(manifest.Method, model.Network.Esm, manifest.Lora);
            LoadTensors(Path.Combine(folder, FineTunedModelManifest.HeadFileName),
                head.named_parameters().Select(p => ($"classifier.{p.name}", (Tensor)p.parameter)));
            if (adapters.NamedParameters.Count > 0)
            {
                LoadTensors(Path.Combine(folder, FineTunedModelManifest.AdapterFileName), adapters.NamedParameters.Select(p => (p.Name, (Tensor)p.Parameter)));
            }
            var fitted = new FineTunedModel(model, head, adapters, manifest.ProblemType, manifest.OutputCount, manifest.Pooling, manifest.Lora,
                manifest.TargetMean, manifest.TargetScale)
            {
                History = manifest.History ?? FineTuningHistory.Empty,
            };
            fitted.Freeze();
            return fitted;
        }
        catch
        {
            adapters?.Dispose();
            head?.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _adapters.Dispose();
        Head.Dispose();
        Model.Dispose();
    }

    /// <summary>The head's raw outputs <c>[B, K]</c> (logits, or standardized values) for a padded batch.</summary>
    internal Tensor Forward(Tensor inputIds, Tensor attentionMask)
    {
        var hidden = Model.Network.Esm.Forward(inputIds, attentionMask).LastHiddenState;
        // A bfloat16 encoder's states are pooled and fed to the head in the head's float32.
        var headType = Head.parameters().First().dtype;
        if (hidden.dtype != headType)
        {
            hidden = hidden.to(headType);
        }
        Tensor pooled;
        if (Pooling == HeadPooling.Cls)
        {
            pooled = hidden.select(1, 0);
        }
        else
        {
            var weights = attentionMask.to(hidden.dtype);
            if (Model.Tokenizer.Options.AddClsToken)
            {
                // Mean over the real sequence tokens: <cls> and padding are left out, as in AgroNT's embeddings.
                weights = weights.index_fill(1, tensor(new long[] { 0 }, device: weights.device), 0);
            }
            pooled = hidden.mul(weights.unsqueeze(-1)).sum(1).div(weights.sum(1, keepdim: true).clamp_min(TorchScalars.Real(1.0)));
        }
        return Head.forward(pooled);
    }

    /// <summary>
    /// The head's raw outputs <c>[B, K]</c> for model inputs run packed end to end (<see cref="EsmModel.ForwardPacked"/>:
    /// inference only, no padding computed), pooled as <see cref="Forward"/> pools a padded batch. An input with no
    /// token to pool (empty, or only <c>&lt;cls&gt;</c> under mean pooling) pools to zeros.
    /// </summary>
    internal Tensor ForwardPacked(IReadOnlyList<int[]> rows)
    {
        var headType = Head.parameters().First().dtype;
        var nonEmpty = rows.Where(row => row.Length > 0).ToArray();
        Tensor? hidden = nonEmpty.Length > 0 ? Model.Network.Esm.ForwardPacked(nonEmpty) : null;
        if (hidden is not null && hidden.dtype != headType)
        {
            // A bfloat16 encoder's states are pooled and fed to the head in the head's float32.
            hidden = hidden.to(headType);
        }
        int first = Model.Tokenizer.Options.AddClsToken ? 1 : 0;
        var pooled = new List<Tensor>(rows.Count);
        long start = 0;
        foreach (var row in rows)
        {
            long pooledFrom = Pooling == HeadPooling.Cls ? 0 : first;
            long count = Pooling == HeadPooling.Cls ? Math.Min(row.Length, 1) : row.Length - pooledFrom;
            pooled.Add(count > 0
                ? hidden!.narrow(0, start + pooledFrom, count).mean([0])
                : zeros(Model.Config.HiddenSize, dtype: headType, device: Model.Device));
            start += row.Length;
        }
        return Head.forward(stack(pooled));
    }

    /// <summary>Maps raw outputs to predictions: sigmoid probabilities, or values in label units.</summary>
    internal Tensor ToPredictions(Tensor outputs)
    {
        if (ProblemType.IsClassification())
        {
            return outputs.sigmoid();
        }
        var mean = tensor(_targetMean, device: outputs.device).to(outputs.dtype);
        var scale = tensor(_targetScale, device: outputs.device).to(outputs.dtype);
        return outputs.mul(scale).add(mean, TorchScalars.One);
    }

    /// <summary>Maps labels in their units to the head's training targets (standardized for regression).</summary>
    internal Tensor ToTargets(Tensor labels)
    {
        if (ProblemType.IsClassification())
        {
            return labels;
        }
        var mean = tensor(_targetMean, device: labels.device).to(labels.dtype);
        var scale = tensor(_targetScale, device: labels.device).to(labels.dtype);
        return labels.sub(mean).div(scale);
    }

    /// <summary>Switches encoder and head between training and evaluation mode.</summary>
    internal void SetTraining(bool training)
    {
        Model.Network.train(training);
        Head.train(training);
    }

    /// <summary>Turns gradients off everywhere (inference only).</summary>
    internal void Freeze()
    {
        foreach (var parameter in Model.Network.parameters().Concat(Head.parameters()).Concat(_adapters.NamedParameters.Select(p => p.Parameter)))
        {
            parameter.requires_grad = false;
        }
        SetTraining(false);
    }

    internal static void SaveTensors(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var cpu = tensors.Select(t => KeyValuePair.Create(t.Key, t.Value.detach().to(ScalarType.Float32, CPU).contiguous())).ToList();
        CheckpointWriter.SaveSafeTensors(cpu, path, new Dictionary<string, string> { ["format"] = "pt" });
    }

    internal static void LoadTensors(string path, IEnumerable<(string Name, Tensor Target)> targets)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The fine-tuned model folder lacks '{Path.GetFileName(path)}' ({path}); save it again with FineTunedModel.Save.", path);
        }
        using var file = SafeTensorsFile.Open(path);
        using var noGrad = no_grad();
        foreach (var (name, target) in targets)
        {
            if (!file.TryGetTensorInfo(name, out var info))
            {
                throw new FormatException($"{path} has no tensor '{name}', which the manifest's settings need.");
            }
            if (!info.Shape.SequenceEqual(target.shape))
            {
                throw new FormatException($"{path}: '{name}' has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", target.shape)}].");
            }
            using var value = file.ReadTensor(name, target.dtype);
            target.copy_(value);
        }
    }
}
