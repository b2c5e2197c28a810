using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Training.FineTuning;

/// <summary>
/// The task head on the pooled encoder output (<c>classifier.*</c>, shaped as Hugging Face's
/// <c>EsmClassificationHead</c>): dropout, dense H -> H, tanh, dropout, <c>out_proj</c> H -> K. It outputs logits for
/// classification and (standardized) values for regression.
/// </summary>
public sealed class SequenceTaskHead : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;

    [ComponentName(Name = "out_proj")]
    private readonly Linear _outProj;

    private readonly double _dropout;

    /// <summary>Creates the head with PyTorch's default Linear initialisation from the global torch generator.</summary>
    /// <param name="hiddenSize">The encoder's hidden size H.</param>
    /// <param name="outputs">Outputs K: 1 for binary and regression tasks, the label count otherwise.</param>
    /// <param name="dropout">Dropout probability while training.</param>
    /// <param name="device">Where to create the weights.</param>
    /// <param name="dtype">The weights' type.</param>
    public SequenceTaskHead(long hiddenSize, long outputs, double dropout = 0, Device? device = null, ScalarType? dtype = null) : base("classifier")
    {
        _dense = nn.Linear(hiddenSize, hiddenSize, device: device, dtype: dtype);
        _outProj = nn.Linear(hiddenSize, outputs, device: device, dtype: dtype);
        _dropout = dropout;
        RegisterComponents();
    }

    /// <summary>Maps pooled states <c>[B, H]</c> to outputs <c>[B, K]</c>.</summary>
    /// <param name="pooled">The pooled encoder output.</param>
    /// <returns>The head's outputs.</returns>
    public override Tensor forward(Tensor pooled)
    {
        var x = nn.functional.dropout(pooled, _dropout, training);
        x = _dense.forward(x).tanh();
        x = nn.functional.dropout(x, _dropout, training);
        return _outProj.forward(x);
    }
}
