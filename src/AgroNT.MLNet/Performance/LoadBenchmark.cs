using System.Diagnostics;
using System.Globalization;
using AgroNT.MLNet.Checkpoints;

namespace AgroNT.MLNet.Performance;

/// <summary>One timed load, as the parent process saw it.</summary>
/// <param name="Precision">The precision the model was loaded in.</param>
/// <param name="Seconds">Wall time from starting the child process to reading its "ready" line.</param>
/// <param name="LoadSeconds">The child's own time inside <see cref="AgroNTModel.Load"/>.</param>
/// <param name="PeakRssBytes">The child's peak resident memory (VmHWM) when ready.</param>
/// <param name="RssBytes">The child's resident memory (VmRSS) when ready.</param>
/// <param name="WeightBytes">The weights' size in the loaded precision (parameter count times 4 or 2).</param>
/// <param name="CpuSeconds">
/// The child's processor time (user + system, all threads) from its start to ready: unlike wall time, it hardly
/// moves when other processes compete for the cores.
/// </param>
public sealed record LoadMeasurement(Precision Precision, double Seconds, double LoadSeconds, long PeakRssBytes, long RssBytes, long WeightBytes, double CpuSeconds)
{
    /// <summary>Peak resident memory relative to the weights in the loaded precision.</summary>
    public double PeakRssRatio => WeightBytes == 0 ? 0 : (double)PeakRssBytes / WeightBytes;
}

/// <summary>
/// Measures process start to ready for <see cref="AgroNTModel.Load"/>: each sample starts a fresh child process that
/// loads the model folder and prints one ready line (its load time and its VmHWM/VmRSS from <c>/proc/self/status</c>);
/// the parent times the whole child, .NET and libtorch start-up included. The first child warms the page cache and
/// is not counted; the best of the remaining repetitions is kept.
/// </summary>
public static class LoadBenchmark
{
    /// <summary>The first word of the line a child prints when its model is loaded.</summary>
    public const string ReadyMarker = "agront-load-ready";

    /// <summary>
    /// The child's side: loads <paramref name="folder"/> in <paramref name="precision"/> on the CPU and prints
    /// <c>agront-load-ready SECONDS VMHWM VMRSS WEIGHTBYTES CPUSECONDS</c> (bytes), then returns (the model is disposed).
    /// </summary>
    /// <param name="folder">A Hugging Face model folder.</param>
    /// <param name="precision">The precision to load in.</param>
    /// <param name="stdout">Where the ready line goes.</param>
    public static void RunChild(string folder, Precision precision, TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var clock = Stopwatch.StartNew();
        using var model = AgroNTModel.Load(folder, new AgroNTModelOptions { Precision = precision });
        double seconds = clock.Elapsed.TotalSeconds;
        (long peak, long rss) = ReadResidentMemory();
        long weights = model.Network.parameters().Sum(p => p.numel()) * (precision == Precision.BFloat16 ? 2 : 4);
        double cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ReadyMarker} {seconds:F3} {peak} {rss} {weights} {cpu:F3}"));
        stdout.Flush();
    }

    /// <summary>
    /// The parent's side: for each precision, one untimed child (page cache warm-up), then <paramref name="repeats"/>
    /// timed children; prints each sample and the best, and returns the best per precision.
    /// </summary>
    /// <param name="folder">The model folder the children load.</param>
    /// <param name="precisions">The precisions to measure, in order.</param>
    /// <param name="repeats">Timed children per precision (at least 1).</param>
    /// <param name="childStart">Builds the start information of a child that runs <see cref="RunChild"/> for a folder and precision.</param>
    /// <param name="stdout">Where the report goes.</param>
    /// <exception cref="InvalidOperationException">A child failed or printed no ready line; the message holds its output.</exception>
    public static IReadOnlyList<LoadMeasurement> Run(
        string folder, IReadOnlyList<Precision> precisions, int repeats, Func<string, Precision, ProcessStartInfo> childStart, TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(precisions);
        ArgumentNullException.ThrowIfNull(childStart);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        string weightsFile = CheckpointReader.FindWeightsFile(folder);
        long fileBytes = new FileInfo(weightsFile).Length;
        stdout.WriteLine($"# load benchmark: {Path.GetFileName(weightsFile)}, {fileBytes / 1e9:F2} GB; a fresh process per sample, best of {repeats} after one warm-up");
        var best = new List<LoadMeasurement>();
        foreach (Precision precision in precisions)
        {
            string label = precision == Precision.BFloat16 ? "bf16" : "fp32";
            _ = MeasureOnce(childStart(folder, precision), precision);
            LoadMeasurement? kept = null;
            for (int r = 0; r < repeats; r++)
            {
                LoadMeasurement sample = MeasureOnce(childStart(folder, precision), precision);
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{label}] sample {r + 1}: start to ready {sample.Seconds:F2} s (load {sample.LoadSeconds:F2} s, CPU {sample.CpuSeconds:F2} s), peak RSS {sample.PeakRssBytes / 1e9:F2} GB = {sample.PeakRssRatio:F2}x the weights"));
                if (kept is null || sample.Seconds < kept.Seconds)
                {
                    kept = sample;
                }
            }
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{label}] load: start to ready {kept!.Seconds:F2} s (best of {repeats}; load itself {kept.LoadSeconds:F2} s; CPU time to ready {kept.CpuSeconds:F2} s), peak RSS {kept.PeakRssBytes / 1e9:F2} GB = {kept.PeakRssRatio:F2}x the {label} weights ({kept.WeightBytes / 1e9:F2} GB), RSS when ready {kept.RssBytes / 1e9:F2} GB"));
            best.Add(kept);
        }
        return best;
    }

    /// <summary>Runs one child and parses its ready line.</summary>
    private static LoadMeasurement MeasureOnce(ProcessStartInfo start, Precision precision)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        double? seconds = null;
        string? ready = null;
        var output = new System.Text.StringBuilder();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (seconds is null && line.StartsWith(ReadyMarker + " ", StringComparison.Ordinal))
            {
                seconds = clock.Elapsed.TotalSeconds;
                ready = line;
            }
            else
            {
                output.AppendLine(line);
            }
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || ready is null)
        {
            throw new InvalidOperationException(
                $"The load benchmark's child ({start.FileName} {string.Join(' ', start.ArgumentList)}) exited with {process.ExitCode} " +
                $"without a ready line. Its output:\n{output}{errors.Result}");
        }
        string[] fields = ready.Split(' ');
        return new LoadMeasurement(precision, seconds!.Value,
            double.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[2], CultureInfo.InvariantCulture),
            long.Parse(fields[3], CultureInfo.InvariantCulture),
            long.Parse(fields[4], CultureInfo.InvariantCulture),
            double.Parse(fields[5], CultureInfo.InvariantCulture));
    }

    /// <summary>VmHWM and VmRSS of this process in bytes (0 where <c>/proc/self/status</c> is missing: not Linux).</summary>
    internal static (long Peak, long Current) ReadResidentMemory()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return (0, 0);
        }
        long peak = 0, current = 0;
        foreach (string line in File.ReadLines(status))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = KiloBytes(line);
            }
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                current = KiloBytes(line);
            }
        }
        return (peak, current);

        static long KiloBytes(string line) =>
            long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
    }
}
