using AgroNT.MLNet.Training.Data;

namespace AgroNT.MLNet.Training;

/// <summary>
/// Masked-language-model pretraining with AgroNT's recipe, from scratch or continued from a model folder, on CPU or
/// any device TorchSharp supports. The result is a Hugging Face model folder that <see cref="AgroNTModel.Load"/> and
/// Python's transformers both load.
/// </summary>
/// <remarks>
/// <para>Each update draws micro-batches of <see cref="PretrainingOptions.MicroBatchSize"/> windows from a shuffled,
/// endless stream until <see cref="PretrainingOptions.BatchTokens"/> real tokens are reached, masks them
/// (<see cref="MlmMasker"/>), runs forward and backward on each (the LM head only on the selected positions), divides by
/// the update's number of selected tokens (so accumulation equals one large batch), clips the global gradient norm and
/// takes an AdamW step with the scheduled learning rate.</para>
/// <para>Everything random is drawn from streams named by the seed and counters (update, epoch, window), and the
/// optimiser state is saved exactly, so on CPU k updates, a checkpoint, a resume and k more updates give the same
/// weights as 2k uninterrupted updates.</para>
/// </remarks>
/// <example><code>
/// var corpus = PretrainingCorpus.FromGenomes(["TAIR10.fa.gz"], ValidationSplit.ByRegion(0.05));
/// var options = new PretrainingOptions { OutputFolder = "my-agront", Config = EsmConfig.FromFile("config.json"), MaxSteps = 2000 };
/// PretrainingResult result = new AgroNTPretrainer(options).Train(corpus, progress, cancellationToken);
/// using var model = AgroNTModel.Load(result.OutputFolder);
/// </code></example>
public sealed class AgroNTPretrainer
{
    /// <summary>Creates a trainer; the options are validated at once.</summary>
    /// <exception cref="ArgumentException">An option is out of range or inconsistent.</exception>
    public AgroNTPretrainer(PretrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <summary>The settings.</summary>
    public PretrainingOptions Options { get; }

    /// <summary>
    /// Trains until <see cref="PretrainingOptions.MaxSteps"/> updates are done, writing checkpoints, <c>metrics.csv</c>
    /// and <c>loss.png</c> as it goes and the model folder at the end.
    /// </summary>
    /// <param name="corpus">The genomes and the validation split.</param>
    /// <param name="progress">Receives reports synchronously on the training thread (wrap a UI in its own dispatcher).</param>
    /// <param name="cancellationToken">Checked between updates: training then writes a checkpoint and returns
    /// <see cref="PretrainingStatus.Cancelled"/> (continue with <see cref="PretrainingOptions.Resume"/>).</param>
    /// <returns>How the run ended, its counters and the last validation.</returns>
    /// <exception cref="InvalidOperationException">The checkpoint folder holds an earlier run and <see cref="PretrainingOptions.Resume"/>
    /// is off, a checkpoint was written with other settings, or the corpus has no training window.</exception>
    public PretrainingResult Train(PretrainingCorpus corpus, IProgress<PretrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        using var run = new PretrainingRun(Options, corpus, progress);
        return run.Execute(cancellationToken);
    }

    /// <summary>Times complete updates on <paramref name="corpus"/> (the <c>bench --train</c> measurement); writes nothing.</summary>
    /// <param name="options">The pretraining settings (model, batch, precision...).</param>
    /// <param name="corpus">The windows to train on.</param>
    /// <param name="warmup">Updates run first and not timed.</param>
    /// <param name="updates">Updates timed.</param>
    /// <returns>The timing.</returns>
    public static UpdateTiming MeasureUpdates(PretrainingOptions options, PretrainingCorpus corpus, int warmup, int updates)
    {
        options.Validate();
        using var run = new PretrainingRun(options, corpus, progress: null);
        return run.TimeUpdates(warmup, updates);
    }
}
