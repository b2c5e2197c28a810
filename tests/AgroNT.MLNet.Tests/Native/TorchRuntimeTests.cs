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

    [Fact]
    public void ResolveDevice_Cpu_IsTheCpu()
    {
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchRuntime.ResolveDevice("CPU").type);
    }

    [Fact]
    public void ResolveDevice_UnknownName_IsAnArgumentErrorListingTheForms()
    {
        var error = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("gpu"));

        Assert.Contains("cpu, cuda or cuda:N", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveDevice_CudaOnThisRuntime_MatchesTorchCudaAvailability()
    {
        TorchRuntime.Initialize();
        if (TorchSharp.torch.cuda.is_available())
        {
            Assert.Equal(TorchSharp.DeviceType.CUDA, TorchRuntime.ResolveDevice("cuda").type);
            Assert.Throws<NotSupportedException>(() => TorchRuntime.ResolveDevice($"cuda:{TorchSharp.torch.cuda.device_count()}"));
            return;
        }
        var error = Assert.Throws<NotSupportedException>(() => TorchRuntime.ResolveDevice("cuda:1"));
        Assert.StartsWith("Device cuda:1 was requested but this process's libtorch has no CUDA support", error.Message, StringComparison.Ordinal);
        Assert.Contains(TorchRuntime.CudaPackage, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Load_CudaWithoutCuda_FailsBeforeReadingTheFolder()
    {
        TorchRuntime.Initialize();
        if (TorchSharp.torch.cuda.is_available())
        {
            return;
        }
        string missing = Path.Combine(Path.GetTempPath(), "agront-no-such-model-" + Guid.NewGuid().ToString("N"));

        // The folder does not exist: a NotSupportedException (not DirectoryNotFound) shows the device is checked first.
        Assert.Throws<NotSupportedException>(() => AgroNTModel.Load(missing, new AgroNTModelOptions { Device = "cuda" }));
    }
}
