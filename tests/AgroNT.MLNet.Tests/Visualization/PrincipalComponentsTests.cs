using AgroNT.MLNet.Visualization;

namespace AgroNT.MLNet.Tests.Visualization;

public sealed class PrincipalComponentsTests
{
    [Fact]
    public void Fit_PointsOnALine_FirstComponentIsTheLineWithAllTheVariance()
    {
        // (t, 2t) for t = 0..3: mean (1.5, 3), direction (1, 2)/sqrt 5, coordinates sqrt 5 * (t - 1.5), variance 5 * 5/3.
        var rows = new[] { new[] { 0f, 0f }, [1f, 2f], [2f, 4f], [3f, 6f] };

        var pca = PrincipalComponents.Fit(rows, 2);

        Assert.Equal([1.5, 3.0], pca.Mean);
        Assert.Equal(1 / Math.Sqrt(5), pca.Components[0][0], 12);
        Assert.Equal(2 / Math.Sqrt(5), pca.Components[0][1], 12);
        Assert.Equal(25.0 / 3, pca.ExplainedVariance[0], 10);
        Assert.Equal(0, pca.ExplainedVariance[1], 10);
        Assert.Equal(1, pca.ExplainedVarianceRatio[0], 10);
        Assert.Equal(1.5 * Math.Sqrt(5), pca.Transform([3f, 6f])[0], 10);
    }

    [Fact]
    public void Fit_AxisAlignedCross_ComponentsAreTheAxesWithPositiveSigns()
    {
        // x spread +-2 and y spread +-1 about 0: variances 8/3 and 2/3, shares 0.8 and 0.2.
        var rows = new[] { new[] { -2f, 0f }, [2f, 0f], [0f, -1f], [0f, 1f] };

        var pca = PrincipalComponents.Fit(rows);

        Assert.Equal([1.0, 0.0], pca.Components[0].Select(v => Math.Round(v, 12) + 0.0));
        Assert.Equal([0.0, 1.0], pca.Components[1].Select(v => Math.Round(v, 12) + 0.0));
        Assert.Equal(8.0 / 3, pca.ExplainedVariance[0], 10);
        Assert.Equal(0.2, pca.ExplainedVarianceRatio[1], 10);
        Assert.Equal([-2.0, 0.0], pca.Transform([-2f, 0f]).Select(v => Math.Round(v, 10) + 0.0));
    }

    [Fact]
    public void Fit_BadInput_SaysWhat()
    {
        Assert.Contains("at least two rows", Assert.Throws<ArgumentException>(() => PrincipalComponents.Fit([new[] { 1f }])).Message);
        Assert.Contains("Row 1 has 1 values", Assert.Throws<ArgumentException>(() => PrincipalComponents.Fit([new[] { 1f, 2f }, [1f]])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PrincipalComponents.Fit([new[] { 1f, 2f }, [3f, 1f]], 3));
    }
}
