using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Benchmarks;
using AgroNT.Transforms.Tokenization;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// One optimisation batch's forward and backward passes, split into micro-batches
/// (<see cref="FineTuningOptions.MicroBatchSize"/>) whose gradients accumulate, with activation checkpointing as
/// <see cref="FineTuningOptions.ActivationCheckpointing"/> asks.
/// </summary>
/// <remarks>
/// The losses are means (over examples and outputs), so each micro-batch's loss is weighted by its share of the
/// batch: the accumulated gradient is the gradient of the whole batch's mean loss, whatever the split. Each
/// micro-batch is padded to its own longest sequence; padding is masked out of attention and pooling, so this
/// changes nothing but the work done.
/// </remarks>
internal sealed class GradientAccumulation
{
    private readonly FineTuningOptions _options;
    private readonly long _activationHeadroom;

    /// <summary>Sets up the passes for <paramref name="fitted"/>; the memory headroom for Auto checkpointing is measured now.</summary>
    public GradientAccumulation(FineTuningOptions options, FineTunedModel fitted)
    {
        _options = options;
        if (options.ActivationCheckpointing == ActivationCheckpointing.Auto)
        {
            var fixedParts = MemoryEstimate.ForFineTuning(fitted.Model.Config, options, tokens: 0, fitted.OutputCount, checkpointing: false);
            // The weights and the runtime are resident already, so what is available now is shared by gradients,
            // optimiser states and activations.
            _activationHeadroom = options.MemoryBudgetBytes is { } budget
                ? budget - (fixedParts.TotalBytes - fixedParts.ActivationBytes)
                : MemoryEstimate.AvailableBytes() - fixedParts.GradientBytes - fixedParts.OptimizerBytes;
        }
    }

    /// <summary>Whether the last micro-batch ran with activation checkpointing.</summary>
    public bool LastCheckpointed { get; private set; }

    /// <summary>
    /// Runs the forward and backward passes of <paramref name="batch"/>, adding its gradients to the parameters'
    /// <c>.grad</c> (the caller zeroes them first); returns the batch's mean loss.
    /// </summary>
    public double Accumulate(FineTunedModel fitted, IReadOnlyList<TaskExample> batch)
    {
        var encoder = fitted.Model.Network.Esm.Encoder;
        int micro = Math.Min(_options.EffectiveMicroBatchSize, batch.Count);
        double total = 0;
        try
        {
            for (int start = 0; start < batch.Count; start += micro)
            {
                var chunk = batch.Skip(start).Take(micro).ToList();
                using var scope = NewDisposeScope();
                var (ids, mask) = Tokenize(fitted, chunk);
                LastCheckpointed = Checkpoint(fitted.Model.Config, fitted, chunk.Count, (int)ids.shape[1]);
                encoder.ActivationCheckpointing = LastCheckpointed;
                var outputs = fitted.Forward(ids, mask);
                var loss = Loss(fitted, outputs, Labels(fitted, chunk, outputs.device, outputs.dtype));
                var weighted = chunk.Count == batch.Count ? loss : loss.mul((double)chunk.Count / batch.Count);
                weighted.backward();
                LayerCheckpoint.ReleaseHandedBack();
                total += weighted.to(ScalarType.Float64).item<double>();
            }
        }
        finally
        {
            encoder.ActivationCheckpointing = false;
            LayerCheckpoint.ReleaseHandedBack();
        }
        return total;
    }

    private bool Checkpoint(EsmConfig config, FineTunedModel fitted, int sequences, int tokens) => _options.ActivationCheckpointing switch
    {
        ActivationCheckpointing.On => true,
        ActivationCheckpointing.Off => false,
        _ => MemoryEstimate.ActivationBytesFor(config, fitted.Method, sequences, tokens, checkpointing: false,
            fitted.Model.DType == ScalarType.BFloat16 ? Precision.BFloat16 : Precision.Float32) > _activationHeadroom,
    };

    /// <summary>The task's mean loss: binary cross-entropy on logits, or mean squared error on standardized targets.</summary>
    public static Tensor Loss(FineTunedModel fitted, Tensor outputs, Tensor labels) => fitted.ProblemType.IsClassification()
        ? nn.functional.binary_cross_entropy_with_logits(outputs, labels)
        : nn.functional.mse_loss(outputs, fitted.ToTargets(labels));

    /// <summary>Token ids and mask of <paramref name="batch"/>, padded to its longest sequence.</summary>
    public static (Tensor Ids, Tensor Mask) Tokenize(FineTunedModel fitted, IReadOnlyList<TaskExample> batch)
    {
        var tokenizer = fitted.Model.Tokenizer;
        var inputs = batch.Select(e => tokenizer.EncodeToIds(e.Sequence, e.Name)).ToList();
        return TokenBatch.Pad(inputs, fitted.Model.Config.PadTokenId).ToTensors(fitted.Model.Device);
    }

    /// <summary>The labels of <paramref name="batch"/> as a <c>[B, K]</c> tensor.</summary>
    public static Tensor Labels(FineTunedModel fitted, IReadOnlyList<TaskExample> batch, Device device, ScalarType dtype)
    {
        int k = fitted.OutputCount;
        var values = new float[batch.Count * k];
        for (int i = 0; i < batch.Count; i++)
        {
            FineTuningTrainer.CheckLabels(batch[i], k);
            batch[i].Labels.CopyTo(values, i * k);
        }
        return tensor(values, [batch.Count, k], device: device).to(dtype);
    }
}
