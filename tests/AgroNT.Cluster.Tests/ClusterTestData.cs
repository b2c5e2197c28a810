using System.Runtime.InteropServices;
using System.Text;
using AgroNT.Cli;
using AgroNT.MLNet.EmbeddingFiles;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Sequences;

namespace AgroNT.Cluster.Tests;

/// <summary>Real inputs, the single-process reference and the exact comparison every scale-out test ends with.</summary>
internal static class ClusterTestData
{
    public static string TinyModel => SharedData.TinyModel;

    /// <summary>Kills every child process still running (with its children) and disposes them all.</summary>
    public static void KillAll(IEnumerable<System.Diagnostics.Process> processes)
    {
        foreach (var process in processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
    }

    public static string Chloroplast(string split) => Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", split + ".fa");

    /// <summary>Real chloroplast records cut to lengths from 6 to 402 bp, so batches really mix lengths (and padding).</summary>
    public static string WriteMixedLengthFasta(string folder, int records)
    {
        var text = new StringBuilder();
        int i = 0;
        foreach (var record in SequenceReader.ReadFile(Chloroplast("train")).Take(records))
        {
            int length = 6 + (i * 37 % 397);
            text.Append('>').Append(record.Name).Append('\n').Append(record.Sequence.AsSpan(0, length)).Append('\n');
            i++;
        }
        string path = Path.Combine(folder, "mixed.fa");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>The output of plain <c>agront embed</c> (one process, no shards) for the same input and model.</summary>
    public static string SingleProcessEmbed(string input, string folder, params string[] extra) => SingleProcessEmbedOf(TinyModel, input, folder, extra);

    /// <summary>The output of plain <c>agront embed --model <paramref name="model"/></c> (one process, no shards).</summary>
    public static string SingleProcessEmbedOf(string model, string input, string folder, params string[] extra)
    {
        string output = Path.Combine(folder, "single-" + Guid.NewGuid().ToString("N")[..8] + ".parquet");
        var stderr = new StringWriter();
        int code = CliApp.Run(["embed", "--model", model, "-i", input, "-o", output, .. extra], new StringWriter(), stderr);
        Assert.True(code == 0, stderr.ToString());
        return output;
    }

    /// <summary>Same ids in the same order and bit-identical floats.</summary>
    public static void AssertIdentical(string expectedPath, string actualPath)
    {
        var expected = EmbeddingFileReader.Read(expectedPath).ToList();
        var actual = EmbeddingFileReader.Read(actualPath).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Id, actual[i].Id);
            Assert.True(MemoryMarshal.AsBytes(expected[i].Embedding.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual[i].Embedding.AsSpan())),
                $"row {i} ({expected[i].Id}) differs");
        }
    }

    /// <summary>Largest absolute difference between two embedding files' vectors (same ids in the same order).</summary>
    public static double MaxDifference(string expectedPath, string actualPath)
    {
        var expected = EmbeddingFileReader.Read(expectedPath).ToList();
        var actual = EmbeddingFileReader.Read(actualPath).ToList();
        Assert.Equal(expected.Select(r => r.Id), actual.Select(r => r.Id));
        return expected.Zip(actual, (a, b) => a.Embedding.Zip(b.Embedding, (x, y) => Math.Abs((double)x - y)).Max()).Max();
    }

    /// <summary>
    /// Fine-tunes the tiny model with IA3 through <c>agront finetune</c> (32 real chloroplast records, a learning rate
    /// high enough that four steps move the adapters visibly) and returns the fine-tuned model folder.
    /// </summary>
    public static string FineTuneTiny(string folder, string method = "ia3")
    {
        string train = Path.Combine(folder, "train32.fa");
        File.WriteAllLines(train, File.ReadLines(Chloroplast("train")).Take(64));
        string output = Path.Combine(folder, "ft-" + method);
        var stderr = new StringWriter();
        int code = CliApp.Run(["finetune", "--model", TinyModel, "--train", train, "--test", train, "--task", "binary", "--method", method,
            "--out", output, "--max-steps", "4", "--learning-rate", "0.05"], new StringWriter(), stderr);
        Assert.True(code == 0, stderr.ToString());
        return Path.Combine(output, "model");
    }

    public static List<string> InputNames(string input) => SequenceReader.ReadFile(input).Select(r => r.Name).ToList();
}

/// <summary>A temporary folder per test class instance.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("agront-cluster-").FullName;

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
