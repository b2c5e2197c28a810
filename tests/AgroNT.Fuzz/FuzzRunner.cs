using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AgroNT.Fuzz;

/// <summary>
/// Runs targets for a number of iterations or a time budget. Iteration <c>i</c> of a target draws from a
/// <see cref="Random"/> seeded only by (seed, target, i), so any iteration reruns alone with <c>--replay i</c>.
/// </summary>
internal sealed class FuzzRunner(FuzzOptions options, TextWriter output)
{
    /// <summary>An iteration that takes longer than this is reported as a hang and ends the run.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, int> _signatures = new(StringComparer.Ordinal);

    /// <summary>Runs every target; returns the number of failing inputs.</summary>
    public long Run(IReadOnlyList<FuzzTarget> targets)
    {
        long failures = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < targets.Count; i++)
        {
            // An equal share of the time left, so a target that ends early leaves its time to the next ones.
            TimeSpan? budget = options.TimeLimitSeconds is { } s
                ? TimeSpan.FromSeconds(Math.Max(0, s - clock.Elapsed.TotalSeconds) / (targets.Count - i))
                : null;
            failures += options.Replay is { } replay ? Replay(targets[i], replay) : RunTarget(targets[i], budget);
        }
        return failures;
    }

    /// <summary>The seed of one iteration; stable across runs, machines and .NET versions.</summary>
    public static int IterationSeed(int seed, string target, long iteration)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in target)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        ulong z = h ^ ((ulong)(uint)seed << 32) ^ (ulong)iteration * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }

    private long RunTarget(FuzzTarget target, TimeSpan? budget)
    {
        var outcomes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long failures = 0;
        long iteration = 0;
        var clock = Stopwatch.StartNew();
        TimeSpan nextReport = TimeSpan.FromSeconds(10);
        long current = -1;
        using var watchdog = StartWatchdog(target, () => Interlocked.Read(ref current), clock);
        for (; iteration < options.Iterations; iteration++)
        {
            if (budget is { } b && clock.Elapsed >= b)
            {
                break;
            }
            Interlocked.Exchange(ref current, iteration);
            (string outcome, Exception? failure, FuzzCase? input) = RunOne(target, iteration);
            if (failure is not null)
            {
                failures++;
                Report(target, iteration, input, failure);
                outcome = "FAILED";
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (!options.Quiet && clock.Elapsed >= nextReport)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {target.Name}: {iteration + 1} inputs, {(iteration + 1) / clock.Elapsed.TotalSeconds:F0}/s, {failures} failing"));
                nextReport += TimeSpan.FromSeconds(10);
            }
        }
        Interlocked.Exchange(ref current, -1);
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Name}: {iteration} inputs in {seconds:F1} s ({iteration / Math.Max(seconds, 1e-9):F0} inputs/s), seed {options.Seed}, {failures} failing"));
        foreach ((string outcome, long count) in outcomes)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {count,10}  {outcome}"));
        }
        return failures;
    }

    private long Replay(FuzzTarget target, long iteration)
    {
        (string outcome, Exception? failure, FuzzCase? input) = RunOne(target, iteration);
        output.WriteLine($"{target.Name} iteration {iteration} (seed {options.Seed}): {input?.Describe() ?? "(generation failed)"}");
        if (failure is null)
        {
            output.WriteLine($"outcome: {outcome}");
            return 0;
        }
        output.WriteLine(failure.ToString());
        Report(target, iteration, input, failure);
        return 1;
    }

    private (string Outcome, Exception? Failure, FuzzCase? Input) RunOne(FuzzTarget target, long iteration)
    {
        FuzzCase? input = null;
        try
        {
            input = target.Generate(new Random(IterationSeed(options.Seed, target.Name, iteration)));
            return (target.Run(input), null, input);
        }
        catch (Exception exception)
        {
            return ("FAILED", exception, input);
        }
    }

    private void Report(FuzzTarget target, long iteration, FuzzCase? input, Exception failure)
    {
        string signature = Signature(target, failure);
        int seen = _signatures.GetValueOrDefault(signature);
        _signatures[signature] = seen + 1;
        string repro = $"dotnet run -c Release --project tests/AgroNT.Fuzz -- --target {target.Name} --seed {options.Seed} --replay {iteration}";
        if (seen > 0 && options.Replay is null)
        {
            return; // Same bug as an input already written; counted, not saved again.
        }
        string folder = Path.Combine(options.FailureFolder, string.Create(CultureInfo.InvariantCulture, $"{target.Name}-seed{options.Seed}-{iteration}"));
        Directory.CreateDirectory(folder);
        if (input is not null)
        {
            foreach ((string fileName, byte[] content) in input.Artifacts())
            {
                File.WriteAllBytes(Path.Combine(folder, fileName), content);
            }
        }
        var text = new StringBuilder()
            .AppendLine($"target: {target.Name}")
            .AppendLine(CultureInfo.InvariantCulture, $"seed: {options.Seed}, iteration: {iteration}")
            .AppendLine($"input: {input?.Describe() ?? "(generation failed)"}")
            .AppendLine($"signature: {signature}")
            .AppendLine($"repro: {repro}")
            .AppendLine()
            .AppendLine(failure.ToString());
        File.WriteAllText(Path.Combine(folder, "failure.txt"), text.ToString());
        output.WriteLine($"FAILURE {signature}");
        output.WriteLine($"  input: {Truncate(input?.Describe() ?? "(generation failed)", 300)}");
        output.WriteLine($"  saved: {folder}");
        output.WriteLine($"  repro: {repro}");
    }

    /// <summary>What makes two failures the same bug: the exception type and where it was thrown in our code (or the invariant).</summary>
    private static string Signature(FuzzTarget target, Exception failure)
    {
        if (failure is AggregateException { InnerExceptions.Count: > 0 } several)
        {
            failure = several.InnerExceptions[0];
        }
        // The message with its numbers blanked, not the stack: the JIT inlines small library methods into their callers.
        string shape = Regex.Replace(failure.Message, "[0-9]+", "#");
        if (failure is InvariantViolation)
        {
            int colon = shape.IndexOf(':', StringComparison.Ordinal);
            return $"{target.Name}: invariant: {(colon > 0 ? shape[..colon] : Truncate(shape, 80))}";
        }
        return $"{target.Name}: {failure.GetType().Name}: {Truncate(shape, 100)}";
    }

    private IDisposable StartWatchdog(FuzzTarget target, Func<long> current, Stopwatch clock)
    {
        var stop = new CancellationTokenSource();
        var thread = new Thread(() =>
        {
            long watched = -1;
            TimeSpan since = TimeSpan.Zero;
            while (!stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1)))
            {
                long now = current();
                if (now != watched)
                {
                    watched = now;
                    since = clock.Elapsed;
                }
                else if (now >= 0 && clock.Elapsed - since > HangLimit)
                {
                    output.WriteLine($"FAILURE {target.Name}: hang: iteration {now} has run for over {HangLimit.TotalSeconds:F0} s");
                    output.WriteLine($"  repro: dotnet run -c Release --project tests/AgroNT.Fuzz -- --target {target.Name} --seed {options.Seed} --replay {now}");
                    output.Flush();
                    Environment.Exit(1);
                }
            }
        })
        { IsBackground = true, Name = "fuzz watchdog" };
        thread.Start();
        return new Stopper(stop, thread);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "...";

    private sealed class Stopper(CancellationTokenSource stop, Thread thread) : IDisposable
    {
        public void Dispose()
        {
            stop.Cancel();
            thread.Join();
            stop.Dispose();
        }
    }
}
