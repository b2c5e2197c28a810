using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>
/// Activation (gradient) checkpointing of one encoder layer: the forward pass runs without recording a graph and keeps
/// only the layer's input; the backward pass runs the layer again with gradients on and backpropagates through that
/// recomputation, so a 40-layer model holds one layer's intermediates at a time instead of forty.
/// </summary>
/// <remarks>
/// The parameters of the layer are not inputs of the autograd node: the recomputation's own backward pass accumulates
/// their gradients (into <c>.grad</c>, as a plain backward would), and the node hands the input's gradient on to the
/// layer below. A layer with dropout draws its masks from a seed fixed in the forward pass, so the recomputation
/// drops the same units.
/// </remarks>
internal sealed class LayerCheckpoint : autograd.SingleTensorFunction<LayerCheckpoint>
{
    private const string LayerKey = "layer";
    private const string SeedKey = "seed";

    // Gradients handed back to libtorch stay referenced by these handles until libtorch has taken its own reference,
    // which it has done by the next call on this thread (or by the time the whole backward pass returns).
    [ThreadStatic]
    private static List<Tensor>? t_handedBack;

    /// <inheritdoc/>
    public override string Name => "EsmLayerCheckpoint";

    /// <summary>Runs <paramref name="layer"/> on <paramref name="hidden"/>, recording a checkpoint node rather than the layer's graph.</summary>
    public static Tensor Run(EsmLayer layer, Tensor hidden, Tensor additiveMask, bool hasDropout)
    {
        long? seed = hasDropout && layer.training ? randint(0, int.MaxValue, [1], ScalarType.Int64).item<long>() : null;
        return apply(layer, hidden, additiveMask, seed ?? -1);
    }

    /// <summary>Frees the last gradient handed to libtorch on this thread; call after the backward pass.</summary>
    public static void ReleaseHandedBack()
    {
        if (t_handedBack is { } list)
        {
            foreach (var tensor in list)
            {
                tensor.Dispose();
            }
            list.Clear();
        }
    }

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var layer = (EsmLayer)vars[0];
        var hidden = (Tensor)vars[1];
        var mask = (Tensor)vars[2];
        long seed = (long)vars[3];
        ctx.save_data(LayerKey, layer);
        ctx.save_data(SeedKey, seed);
        ctx.save_for_backward([hidden, mask]);
        if (seed >= 0)
        {
            manual_seed(seed);
        }
        using var noGrad = no_grad();
        return layer.forward(hidden, AttentionLayout.Padded(mask));
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        ReleaseHandedBack();
        var layer = (EsmLayer)ctx.get_data(LayerKey);
        long seed = (long)ctx.get_data(SeedKey);
        Tensor inputGradient;
        using (var scope = NewDisposeScope())
        {
            var saved = ctx.get_saved_variables();
            using var withGrad = enable_grad();
            var input = saved[0].detach().requires_grad_(true);
            if (seed >= 0)
            {
                manual_seed(seed);
            }
            var output = layer.forward(input, AttentionLayout.Padded(saved[1]));
            output.backward([grad_output]);
            inputGradient = input.grad!.detach().DetachFromDisposeScope();
        }
        grad_output.Dispose();
        (t_handedBack ??= []).Add(inputGradient);
        // One entry per forward argument: the layer, the hidden state, the mask and the seed.
        return [null!, inputGradient, null!, null!];
    }
}
