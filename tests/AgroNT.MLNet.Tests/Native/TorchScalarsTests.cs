using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Tests.Featurization;

namespace AgroNT.MLNet.Tests.Native;

public sealed class TorchScalarsTests
{
    [Fact]
    public async Task Embedding_WhileAnotherThreadForcesCollections_GivesTheSameVectorsEveryTime()
    {
        // The encoder passes only process-lifetime scalars to libtorch; a temporary scalar's finalizer could free it
        // mid-call (seen as "Scalar::toFloat: Expected false to be true"). Collections and finalizers are forced on
        // another thread for the whole run, and every forward must still succeed and agree bit for bit.
        using AgroNTModel model = FeaturizingTestData.LoadTiny();
        var embedder = new AgroNTEmbedder(model);
        string[] sequences = ["ACGTACGTAAGGCCTTACGATCGATCGGATCGA", "TTTTAAAACCCCGGGGACGTACGT", "ACGTAC"];
        IReadOnlyList<float[]> expected = embedder.Embed(sequences);
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int runs = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(2) || runs < 20)
            {
                IReadOnlyList<float[]> again = embedder.Embed(sequences);
                for (int i = 0; i < sequences.Length; i++)
                {
                    Assert.Equal(expected[i], again[i]);
                }
                runs++;
            }
        }
        finally
        {
            stop.Cancel();
            await collector;
        }
    }

    [Fact]
    public void CachedScalars_AreSharedPerValue()
    {
        Assert.Same(AgroNT.MLNet.Native.TorchScalars.Real(0.125), AgroNT.MLNet.Native.TorchScalars.Real(0.125));
        Assert.Same(AgroNT.MLNet.Native.TorchScalars.One, AgroNT.MLNet.Native.TorchScalars.Integer(1));
        using var x = TorchSharp.torch.ones(3);
        using var y = x.mul(AgroNT.MLNet.Native.TorchScalars.Real(0.125));
        Assert.Equal([0.125f, 0.125f, 0.125f], y.data<float>().ToArray());
    }
}
