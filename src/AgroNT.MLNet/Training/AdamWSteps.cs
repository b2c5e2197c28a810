using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Training;

/// <summary>
/// The AdamW update of TorchSharp's <see cref="AdamW"/>, with each parameter's temporaries freed before the next
/// parameter is updated.
/// </summary>
/// <remarks>
/// TorchSharp's <c>AdamW.step()</c> runs every parameter inside one dispose scope, so the two parameter-sized temporaries
/// of each update (<c>sqrt(v)</c> and its scaling) live until the whole step ends: twice the model's weights on top of
/// weights, gradients and both moments. For AgroNT-1B pretraining that is 7.4 GiB more than the 15.8 GiB the run needs, and
/// the process was killed by the out-of-memory killer at 23 GiB. This step computes the same numbers with the same
/// operations in the same order (bit-identical, tested), reads and writes the optimizer's own state (so its
/// <c>state_dict</c>, checkpoints and resume are unchanged), and holds one temporary of one parameter at a time.
/// </remarks>
internal static class AdamWSteps
{
    /// <summary>Applies one AdamW update to every parameter of <paramref name="optimizer"/> that has a gradient.</summary>
    /// <exception cref="NotSupportedException">A group uses AMSGrad or maximize, which this step does not implement.</exception>
    public static void StepParameterByParameter(this AdamW optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var states = optimizer.state_dict().State;
        int index = 0;
        using var noGrad = no_grad();
        foreach (var group in optimizer.ParamGroups.Cast<AdamW.ParamGroup>())
        {
            var options = group.Options;
            if (options.amsgrad == true || options.maximize == true)
            {
                throw new NotSupportedException("AdamW with amsgrad or maximize is stepped by TorchSharp's AdamW.step().");
            }
            double lr = options.LearningRate!.Value, beta1 = options.beta1!.Value, beta2 = options.beta2!.Value;
            double eps = options.eps!.Value, weightDecay = options.weight_decay!.Value;
            foreach (var parameter in group.Parameters)
            {
                var state = (AdamW.State)states[index++];
                using var scope = NewDisposeScope();
                // The accessor hands out a new wrapper outside any dispose scope.
                using var grad = parameter.grad;
                if (grad is null)
                {
                    continue;
                }
                state.step += 1;
                parameter.mul_(1 - lr * weightDecay);
                double biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                double biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(beta1).add_(grad, alpha: 1 - beta1);
                state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
                var denominator = state.exp_avg_sq.sqrt().div_(Math.Sqrt(biasCorrection2)).add_(eps);
                parameter.addcdiv_(state.exp_avg, denominator, value: -lr / biasCorrection1);
            }
        }
    }
}
