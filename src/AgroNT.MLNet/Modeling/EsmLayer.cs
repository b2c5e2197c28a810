using AgroNT.MLNet.Native;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>A single <c>dense</c> projection, the shape of HF's EsmSelfOutput, EsmIntermediate and EsmOutput.</summary>
internal sealed class EsmDense : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;

    /// <summary>Creates a <c>dense</c> Linear layer from <paramref name="inputs"/> to <paramref name="outputs"/> features.</summary>
    public EsmDense(string name, long inputs, long outputs, Device? device = null, ScalarType? dtype = null) : base(name)
    {
        _dense = ParameterInitialisation.Linear(inputs, outputs, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>The wrapped Linear layer.</summary>
    public Linear Dense => _dense;

    /// <inheritdoc/>
    /// <remarks>Runs the Linear layer through <c>call</c>, so hooks registered on <see cref="Dense"/> (fine-tuning adapters) take part.</remarks>
    public override Tensor forward(Tensor input) => _dense.call(input);
}

/// <summary>Pre-LayerNorm attention block (<c>layer.N.attention</c>): <c>x + dense(Attn(LN(x)))</c>.</summary>
internal sealed class EsmAttention : nn.Module<Tensor, AttentionLayout, Tensor>
{
    [ComponentName(Name = "self")]
    private readonly EsmSelfAttention _self;

    [ComponentName(Name = "output")]
    private readonly EsmDense _output;

    [ComponentName(Name = "LayerNorm")]
    private readonly LayerNorm _layerNorm;

    private readonly double _dropout;

    /// <summary>Creates the block for <paramref name="config"/>.</summary>
    public EsmAttention(EsmConfig config, Device? device = null, ScalarType? dtype = null) : base("attention")
    {
        _self = new EsmSelfAttention(config, device, dtype);
        _output = new EsmDense("output", config.HiddenSize, config.HiddenSize, device, dtype);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype);
        _dropout = config.HiddenDropoutProb;
        RegisterComponents();
    }

    /// <summary>The self-attention projections.</summary>
    public EsmSelfAttention Self => _self;

    /// <inheritdoc/>
    public override Tensor forward(Tensor hidden, AttentionLayout layout)
    {
        var attended = _self.forward(_layerNorm.forward(hidden), layout);
        var projected = nn.functional.dropout(_output.forward(attended), _dropout, training);
        // Without autograd the projection's fresh output takes the residual in place (no [B, T, H] temporary; addition
        // commutes bit for bit). With autograd the out-of-place add keeps what adapters' hooks saved intact.
        return EsmLayer.InPlace ? projected.add_(hidden) : hidden.add(projected, TorchScalars.One);
    }
}

/// <summary>One transformer layer (<c>esm.encoder.layer.N</c>): attention block, then <c>x + W2(GELU(W1(LN(x))))</c>.</summary>
internal sealed class EsmLayer : nn.Module<Tensor, AttentionLayout, Tensor>
{
    [ComponentName(Name = "attention")]
    private readonly EsmAttention _attention;

    [ComponentName(Name = "intermediate")]
    private readonly EsmDense _intermediate;

    [ComponentName(Name = "output")]
    private readonly EsmDense _output;

    [ComponentName(Name = "LayerNorm")]
    private readonly LayerNorm _layerNorm;

    private readonly double _dropout;

    /// <summary>Creates layer weights for <paramref name="config"/>.</summary>
    public EsmLayer(EsmConfig config, Device? device = null, ScalarType? dtype = null) : base("layer")
    {
        _attention = new EsmAttention(config, device, dtype);
        _intermediate = new EsmDense("intermediate", config.HiddenSize, config.IntermediateSize, device, dtype);
        _output = new EsmDense("output", config.IntermediateSize, config.HiddenSize, device, dtype);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps, device: device, dtype: dtype);
        _dropout = config.HiddenDropoutProb;
        RegisterComponents();
    }

    /// <summary>The attention block.</summary>
    public EsmAttention Attention => _attention;

    /// <inheritdoc/>
    public override Tensor forward(Tensor hidden, AttentionLayout layout)
    {
        var attended = _attention.forward(hidden, layout);
        var up = _intermediate.forward(_layerNorm.forward(attended));
        // GELU is the exact erf form in ESM. Without autograd it runs in place on the up-projection's fresh output:
        // the widest tensor of the layer ([B, T, I]) is then allocated once, not twice.
        bool inPlace = InPlace;
        var activated = inPlace ? up.gelu_() : nn.functional.gelu(up);
        var down = nn.functional.dropout(_output.forward(activated), _dropout, training);
        return inPlace ? down.add_(attended) : attended.add(down, TorchScalars.One);
    }

    /// <summary>
    /// Whether the forward pass may overwrite the fresh outputs of its own projections (GELU, residual adds): only
    /// when autograd records nothing, so no saved tensor can be changed under it.
    /// </summary>
    internal static bool InPlace => !is_grad_enabled();
}
