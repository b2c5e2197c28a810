using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Modeling;

/// <summary>
/// Whether the network's Linear layers are created with TorchSharp's random initialisation or with uninitialised
/// (<c>torch.empty</c>) tensors. A checkpoint load overwrites every weight, and random initialisation of 1B parameters
/// costs seconds and touches every page, so <see cref="AgroNTModel.Load"/> builds the network inside
/// <see cref="SkipRandomInit"/>. Per thread; nothing else changes.
/// </summary>
internal static class ParameterInitialisation
{
    [ThreadStatic]
    private static int s_skipDepth;

    /// <summary>Whether Linear layers created on this thread now are left uninitialised.</summary>
    public static bool Skipping => s_skipDepth > 0;

    /// <summary>Until disposed, Linear layers created on this thread by <see cref="Linear"/> are left uninitialised.</summary>
    public static IDisposable SkipRandomInit()
    {
        s_skipDepth++;
        return new Scope();
    }

    /// <summary>
    /// <c>nn.Linear(inputs, outputs, hasBias, device, dtype)</c>; inside <see cref="SkipRandomInit"/> its weight and bias
    /// are <c>torch.empty</c> (memory is reserved, not touched).
    /// </summary>
    public static Linear Linear(long inputs, long outputs, bool hasBias = true, Device? device = null, ScalarType? dtype = null)
    {
        if (!Skipping)
        {
            return nn.Linear(inputs, outputs, hasBias, device, dtype);
        }
        var weight = empty([outputs, inputs], dtype: dtype, device: device).AsParameter();
        var bias = hasBias ? empty([outputs], dtype: dtype, device: device).AsParameter() : null;
        return nn.Linear(weight, bias);
    }

    private sealed class Scope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                s_skipDepth--;
            }
        }
    }
}
