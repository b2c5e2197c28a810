using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using AgroNT.MLNet.Checkpoints;
using static TorchSharp.torch;

namespace AgroNT.Benchmarks;

/// <summary>
/// One-shot measurement (a console verb, not a BenchmarkDotNet benchmark: a 4 GB load is measured once, and its peak
/// resident memory must come from a fresh process): writes a random checkpoint with the full AgroNT-1B shapes as
/// <c>model.safetensors</c> in a temporary folder, then loads it in a child process into target tensors of the same
/// shapes and reports load time and peak RSS (<c>VmHWM</c>) against the weights' size: with the file in the page
/// cache (just written), the same with libtorch's huge-page allocations (<c>THP_MEM_ALLOC_ENABLE=1</c>), and after
/// asking the kernel to drop the file from the cache (<c>posix_fadvise DONTNEED</c>).
/// <para>Run: <c>dotnet run -c Release --project benchmarks/AgroNT.Benchmarks -- checkpoint-load [--keep] [--dir DIR]</c>.</para>
/// </summary>
public static class CheckpointLoadBenchmark
{
    /// <summary>The command-line verb.</summary>
    public const string Verb = "checkpoint-load";

    private const string ChildFlag = "--measure";

    /// <summary>Runs the verb; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int measure = Array.IndexOf(args, ChildFlag);
        if (measure >= 0)
        {
            return Measure(args[measure + 1]);
        }
        int dirIndex = Array.IndexOf(args, "--dir");
        string folder = dirIndex >= 0
            ? Path.GetFullPath(args[dirIndex + 1])
            : Path.Combine(Path.GetTempPath(), "agront-checkpoint-load-" + Guid.NewGuid().ToString("N")[..8]);
        bool keep = args.Contains("--keep");
        Directory.CreateDirectory(folder);
        try
        {
            string file = Path.Combine(folder, "model.safetensors");
            List<CheckpointTensorInfo> layout = AgroNT1BLayout();
            long weightBytes = layout.Sum(t => t.ByteCount);
            Console.WriteLine($"AgroNT-1B layout: {layout.Count} tensors, {layout.Sum(t => t.ElementCount):N0} parameters, {Gb(weightBytes)} GB fp32");

            var write = Stopwatch.StartNew();
            using (var generator = new Generator(20240601))
            {
                CheckpointWriter.SaveSafeTensors(layout, info => randn(info.Shape.ToArray(), generator: generator), file);
            }
            Console.WriteLine($"Wrote {file} ({Gb(new FileInfo(file).Length)} GB) in {write.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine($"THP_MEM_ALLOC_ENABLE={Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") ?? "(unset)"}, " +
                $"{Environment.ProcessorCount} cores, {Environment.Version}");

            Report("warm (file in page cache)", RunChild(folder, transparentHugePages: false), weightBytes);
            Report("warm, THP_MEM_ALLOC_ENABLE=1 (libtorch asks for huge pages, as .ci/run does)", RunChild(folder, transparentHugePages: true), weightBytes);
            bool dropped = DropFromPageCache(file);
            Report(dropped ? "cold (file dropped from page cache)" : "third run (page cache not dropped)", RunChild(folder, transparentHugePages: false), weightBytes);
            return 0;
        }
        finally
        {
            if (!keep)
            {
                Directory.Delete(folder, recursive: true);
                Console.WriteLine($"Deleted {folder}");
            }
        }
    }

    /// <summary>
    /// The full AgroNT-1B state dict: the tiny fixture's keys in its order with i in 0..39, hidden 1500, 20 heads,
    /// intermediate 5120, vocabulary 4105, 1026 positions; the contact head has one weight per layer and head (800).
    /// </summary>
    public static List<CheckpointTensorInfo> AgroNT1BLayout()
    {
        const long hidden = 1500, intermediate = 5120, vocabulary = 4105, positions = 1026, layers = 40, heads = 20;
        var layout = new List<(string, long[])>
        {
            ("esm.embeddings.word_embeddings.weight", [vocabulary, hidden]),
            ("esm.embeddings.position_embeddings.weight", [positions, hidden]),
        };
        for (int i = 0; i < layers; i++)
        {
            string p = $"esm.encoder.layer.{i}.";
            foreach (string projection in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                layout.Add((p + projection + ".weight", [hidden, hidden]));
                layout.Add((p + projection + ".bias", [hidden]));
            }
            layout.Add((p + "attention.LayerNorm.weight", [hidden]));
            layout.Add((p + "attention.LayerNorm.bias", [hidden]));
            layout.Add((p + "intermediate.dense.weight", [intermediate, hidden]));
            layout.Add((p + "intermediate.dense.bias", [intermediate]));
            layout.Add((p + "output.dense.weight", [hidden, intermediate]));
            layout.Add((p + "output.dense.bias", [hidden]));
            layout.Add((p + "LayerNorm.weight", [hidden]));
            layout.Add((p + "LayerNorm.bias", [hidden]));
        }
        layout.AddRange(
        [
            ("esm.encoder.emb_layer_norm_after.weight", [hidden]),
            ("esm.encoder.emb_layer_norm_after.bias", [hidden]),
            ("esm.contact_head.regression.weight", [1, layers * heads]),
            ("esm.contact_head.regression.bias", [1]),
            ("lm_head.bias", [vocabulary]),
            ("lm_head.dense.weight", [hidden, hidden]),
            ("lm_head.dense.bias", [hidden]),
            ("lm_head.layer_norm.weight", [hidden]),
            ("lm_head.layer_norm.bias", [hidden]),
            ("lm_head.decoder.weight", [vocabulary, hidden]),
        ]);
        return layout.Select(e => new CheckpointTensorInfo(e.Item1, ScalarType.Float32, e.Item2)).ToList();
    }

    /// <summary>The child: allocate targets, load, report JSON on standard output.</summary>
    private static int Measure(string folder)
    {
        using (empty(1))
        {
            // Loads libtorch before the baseline is read.
        }
        long startRss = Status("VmRSS");
        var targets = AgroNT1BLayout().ToDictionary(t => t.Name, t => empty(t.Shape.ToArray()));
        long allocatedRss = Status("VmRSS");
        long faults = MinorFaults();

        CheckpointLoadResult result = CheckpointLoader.LoadInto(targets, folder);

        var measurement = new Measurement(
            result.Elapsed.TotalSeconds, result.LoadedBytes, result.LoadedTensorCount, startRss, allocatedRss,
            Status("VmRSS"), Status("VmHWM"), Status("RssFile"), MinorFaults() - faults, Checksum(targets["lm_head.decoder.weight"]));
        Console.WriteLine(JsonSerializer.Serialize(measurement));
        foreach (Tensor tensor in targets.Values)
        {
            tensor.Dispose();
        }
        return 0;
    }

    private static Measurement RunChild(string folder, bool transparentHugePages)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        start.Environment["THP_MEM_ALLOC_ENABLE"] = transparentHugePages ? "1" : "0";
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }
        start.ArgumentList.Add(Verb);
        start.ArgumentList.Add(ChildFlag);
        start.ArgumentList.Add(folder);
        using Process child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"The measuring process failed ({child.ExitCode}): {output}");
        }
        return JsonSerializer.Deserialize<Measurement>(output.Trim().Split('\n')[^1])!;
    }

    private static void Report(string title, Measurement m, long weightBytes)
    {
        Console.WriteLine();
        Console.WriteLine($"== {title}");
        Console.WriteLine($"   loaded {m.Tensors} tensors, {Gb(m.LoadedBytes)} GB in {m.LoadSeconds:F2} s ({m.LoadedBytes / m.LoadSeconds / 1e9:F2} GB/s)");
        Console.WriteLine($"   RSS: {Gb(m.StartRss)} GB at start, {Gb(m.AllocatedRss)} GB after allocating targets, {Gb(m.EndRss)} GB after loading (of which file-backed {Gb(m.EndRssFile)} GB)");
        Console.WriteLine($"   peak RSS (VmHWM) {Gb(m.PeakRss)} GB = {(double)m.PeakRss / weightBytes:F3} x the weights ({Gb(weightBytes)} GB); " +
            $"above weights + start: {(m.PeakRss - weightBytes - m.StartRss) / 1e6:F0} MB");
        Console.WriteLine($"   {m.MinorFaults:N0} minor page faults during the load; checksum of lm_head.decoder.weight: {m.Checksum.ToString("R", CultureInfo.InvariantCulture)}");
    }

    /// <summary>Asks the kernel to drop the (clean, fsynced) file from the page cache, so the next load reads the disk.</summary>
    private static bool DropFromPageCache(string file)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read);
        const int PosixFadvDontNeed = 4;
        return PosixFadvise((int)stream.SafeFileHandle.DangerousGetHandle(), 0, 0, PosixFadvDontNeed) == 0;
    }

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);

    /// <summary>A field of /proc/self/status, in bytes.</summary>
    private static long Status(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return -1;
    }

    /// <summary>Field 10 of /proc/self/stat (after the parenthesised command name).</summary>
    private static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], CultureInfo.InvariantCulture);
    }

    private static double Checksum(Tensor tensor)
    {
        using Tensor sum = tensor.sum(type: ScalarType.Float64);
        return sum.item<double>();
    }

    private static string Gb(long bytes) => (bytes / 1e9).ToString("F3", CultureInfo.InvariantCulture);

    private sealed record Measurement(
        double LoadSeconds, long LoadedBytes, int Tensors, long StartRss, long AllocatedRss, long EndRss, long PeakRss, long EndRssFile,
        long MinorFaults, double Checksum);
}
