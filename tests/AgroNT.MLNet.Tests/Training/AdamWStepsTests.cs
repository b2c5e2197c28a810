using AgroNT.MLNet.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Tests.Training;

public sealed class AdamWStepsTests
{
    private static (Sequential Model, AdamW Optimizer) Create()
    {
        var model = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 4));
        // Seeded from a generator of its own: the global one is shared with tests running in parallel.
        var generator = new Generator(11);
        using (no_grad())
        {
            foreach (var parameter in model.parameters())
            {
                parameter.uniform_(-0.2, 0.2, generator);
            }
        }
        var parameters = model.named_parameters().ToList();
        var groups = new[]
        {
            new AdamW.ParamGroup(parameters.Where(p => p.name.EndsWith("weight", StringComparison.Ordinal)).Select(p => p.parameter), 3e-3, 0.9, 0.98, 1e-6, 0.01),
            new AdamW.ParamGroup(parameters.Where(p => p.name.EndsWith("bias", StringComparison.Ordinal)).Select(p => p.parameter), 3e-3, 0.9, 0.98, 1e-6, 0),
        };
        return (model, optim.AdamW(groups, 3e-3, 0.9, 0.98, 1e-6, 0.01));
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static void Backward(Sequential model, int step)
    {
        using var scope = NewDisposeScope();
        var x = randn(8, 16, generator: new Generator((ulong)(100 + step)));
        model.forward(x).pow(2).mean().backward();
    }

    [Fact]
    public void StepParameterByParameter_EqualsTorchSharpsStepBitForBit()
    {
        var (reference, referenceOptimizer) = Create();
        var (lean, leanOptimizer) = Create();
        for (int step = 0; step < 4; step++)
        {
            referenceOptimizer.zero_grad();
            leanOptimizer.zero_grad();
            Backward(reference, step);
            Backward(lean, step);
            referenceOptimizer.step();
            leanOptimizer.StepParameterByParameter();
        }

        var expected = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in lean.named_parameters())
        {
            Assert.True(Same(parameter, expected[name]), $"{name} differs");
        }
        var expectedStates = referenceOptimizer.state_dict().State.Cast<AdamW.State>().ToList();
        var states = leanOptimizer.state_dict().State.Cast<AdamW.State>().ToList();
        Assert.Equal(expectedStates.Count, states.Count);
        for (int i = 0; i < states.Count; i++)
        {
            Assert.Equal(4, states[i].step);
            Assert.Equal(expectedStates[i].step, states[i].step);
            Assert.True(Same(states[i].exp_avg, expectedStates[i].exp_avg));
            Assert.True(Same(states[i].exp_avg_sq, expectedStates[i].exp_avg_sq));
        }
        // The parameters moved: the comparison is not between two untouched models.
        var (initial, _) = Create();
        Assert.False(Same(initial.named_parameters().First().parameter, lean.named_parameters().First().parameter));
    }

    [Fact]
    public void StepParameterByParameter_LeavesNoLiveTensors()
    {
        var (model, optimizer) = Create();
        Backward(model, 0);
        optimizer.StepParameterByParameter();
        Backward(model, 1);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        optimizer.StepParameterByParameter();

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
