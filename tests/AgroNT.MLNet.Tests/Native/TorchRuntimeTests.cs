using AgroNT.MLNet.Native;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Native;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Initialize_CalledTwice_ReturnsTheSameStatus()
    {
        var first = TorchRuntime.Initialize();
        Assert.Same(first, TorchRuntime.Initialize());
        Assert.False(string.IsNullOrWhiteSpace(first.MklNote));
    }

    [Fact]
    public void Initialize_OnLinux_RequestsHugePagesInTheNativeEnvironment()
    {
        Assert.Equal(OperatingSystem.IsLinux(), TorchRuntime.Initialize().HugePagesRequested);
    }

    [Fact]
    public void Initialize_WhenMklSwitched_VendorCheckReportsIntel()
    {
        var status = TorchRuntime.Initialize();
        int? intel = TorchRuntime.CallMklIntelCpuTrue();
        if (status.MklAvx512Enabled && intel is not null)
        {
            Assert.Equal(1, intel);
        }
        else
        {
            Assert.False(status.MklAvx512Enabled && intel == 0, status.MklNote);
        }
    }

    [Fact]
    public void Matmul_AfterInitialize_MatchesADoublePrecisionProduct()
    {
        TorchRuntime.Initialize();
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var a = randn(new long[] { 192, 300 }, generator: generator);
        var b = randn(new long[] { 300, 160 }, generator: generator);
        float[] fast = mm(a, b).data<float>().ToArray();
        float[] left = a.data<float>().ToArray(), right = b.data<float>().ToArray();
        double maxError = 0;
        for (int i = 0; i < 192; i++)
        {
            for (int j = 0; j < 160; j++)
            {
                double sum = 0, magnitude = 0;
                for (int k = 0; k < 300; k++)
                {
                    sum += (double)left[i * 300 + k] * right[k * 160 + j];
                    magnitude += Math.Abs((double)left[i * 300 + k] * right[k * 160 + j]);
                }
                maxError = Math.Max(maxError, Math.Abs(sum - fast[i * 160 + j]) / magnitude);
            }
        }
        Assert.InRange(maxError, 0, 1e-6);
    }
}
