using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Native;

/// <summary>
/// Guards the build step that lets libLibTorchSharp.so load on libstdc++ older than GCC 13's
/// (build/ElfGlibcxxPatcher.cs): if a package update or a new machine breaks native loading, these fail first.
/// </summary>
public sealed class TorchSharpNativeTests
{
    [Fact]
    public void NativeCall_MatrixMultiply_MatchesHandComputedProduct()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var b = tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        using var c = matmul(a, b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void NativeCall_ErfGelu_MatchesClosedForm()
    {
        using var x = tensor(new float[] { -1f, 0f, 1.5f });
        using var y = nn.functional.gelu(x);
        float[] actual = y.data<float>().ToArray();
        for (int i = 0; i < 3; i++)
        {
            double v = new double[] { -1, 0, 1.5 }[i];
            double expected = 0.5 * v * (1 + Erf(v / Math.Sqrt(2)));
            Assert.Equal(expected, actual[i], 5);
        }
    }

    // Abramowitz-Stegun 7.1.26 is too coarse for 1e-5; use a series that converges quickly for |x| < 2.
    private static double Erf(double x)
    {
        double sum = 0, term = x;
        for (int n = 0; n < 60; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
