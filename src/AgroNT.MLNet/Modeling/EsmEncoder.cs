using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>The stack of layers and the final LayerNorm (<c>esm.encoder.*</c>).</summary>
internal sealed class EsmEncoder : nn.Module
{
    [ComponentName(Name = "layer")]
    private readonly ModuleList<EsmLayer> _layers;

    [ComponentName(Name = "emb_layer_norm_after")]
    private readonly LayerNorm _embLayerNormAfter;

    /// <summary>Creates <see cref="EsmConfig.NumHiddenLayers"/> layers and the final LayerNorm.</summary>
    public EsmEncoder(EsmConfig config, Device? device = null, ScalarType? dtype = null) : base("encoder")
    {
        _layers = new ModuleList<EsmLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new EsmLayer(config, device, dtype)).ToArray());
        _embLayerNormAfter = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>The transformer layers, in order.</summary>
    public IList<EsmLayer> Layers => _layers;

    /// <summary>
    /// Recompute each layer in the backward pass instead of keeping its intermediates (activation checkpointing):
    /// training memory for activations drops from every layer's intermediates to one layer's input per layer, for
    /// about one more forward pass of compute. Applies only in training mode with gradients enabled. Default off.
    /// </summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>The LayerNorm applied after the last layer.</summary>
    public LayerNorm FinalLayerNorm => _embLayerNormAfter;
}
