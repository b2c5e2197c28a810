using System.Diagnostics;
using System.Text.Json.Nodes;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary>Bad inputs found before work starts, with messages that say what is wrong; untrusted text kept off the terminal.</summary>
public sealed class InputFaultTests : IDisposable
{
    private static readonly string s_train = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "train.fa");
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData(">a|zero\nACGTACGTACGT\n", "zero")]
    [InlineData(">nolabel\nACGTACGTACGT\n", "nolabel")]
    [InlineData("", "has no records")]
    public void Finetune_BadTestFile_FailsBeforeTraining(string testText, string named)
    {
        string test = _cli.PathOf("test.fa");
        File.WriteAllText(test, testText);
        string output = _cli.PathOf("ft");

        var (code, _, stderr) = _cli.Run("finetune", "--model", SharedData.TinyModel, "--train", s_train, "--test", test, "--task", "binary", "--out", output, "--max-steps", "1");

        Assert.True(code == 1, stderr);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
        Assert.Contains("test.fa", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("step", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "model")));
    }

    [Fact]
    public void Tokenize_FolderAsInput_SaysItIsAFolder()
    {
        var (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", SharedData.Data, "-o", _cli.PathOf("x.jsonl"));

        Assert.Equal(2, code);
        Assert.Contains("is a folder", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("not found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_RecordNameWithTerminalEscapes_IsPrintedEscaped()
    {
        string input = _cli.PathOf("evil.fa");
        File.WriteAllText(input, ">ok\nACGT\n>\u001b[2J\u001b]0;owned\u0007name\rfake\nACGT7ACGT\n");

        var (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", _cli.PathOf("x.jsonl"));

        Assert.Equal(1, code);
        Assert.Contains("\\x1b[2J\\x1b]0;owned\\x07name", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', stderr);
        Assert.DoesNotContain('\u0007', stderr);
        Assert.DoesNotContain('\r', stderr);
    }

    [Fact]
    public void Embed_EmptyRecord_WarnsNamingIt()
    {
        string input = _cli.PathOf("in.fa");
        File.WriteAllText(input, ">full\nACGTACGTACGTAC\n>hollow\n>full2\nTTTTGGGGCCCCAA\n");
        string output = _cli.PathOf("e.jsonl");

        var (code, _, stderr) = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", input, "-o", output);

        Assert.True(code == 0, stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("warning: record 'hollow' is empty", stderr, StringComparison.Ordinal);
        var rows = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("hollow", (string)rows[1]["id"]!);
        Assert.All(rows[1]["embedding"]!.AsArray(), v => Assert.Equal(0f, (float)v!));
        Assert.Contains(rows[0]["embedding"]!.AsArray(), v => (float)v! != 0f);
    }

    [Theory]
    [InlineData("-1,abc")]
    [InlineData("-")]
    public void ExportOnnx_LayersValueStartingWithADash_SaysWhatIsWrongWithTheValue(string value)
    {
        var (code, _, stderr) = _cli.Run("export-onnx", "--model", SharedData.TinyModel, "-o", _cli.PathOf("onnx"), "--layers", value);

        Assert.Equal(2, code);
        Assert.Contains($"got '{value}'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("needs a value", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_OptionFollowedByAnotherOption_NamesWhatFollows()
    {
        var (code, _, stderr) = _cli.Run("tokenize", "-i", "--model", SharedData.TinyModel);

        Assert.Equal(2, code);
        Assert.Contains("'--input' needs a value, but '--model' follows it", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_KilledWhileWriting_LeavesATemporaryFileTheNextRunRemoves()
    {
        Assert.False(OperatingSystem.IsWindows(), "uses mkfifo and SIGKILL");
        // A FIFO as input: agront opens its staged output, then waits for sequence data that never finishes.
        string fifo = _cli.PathOf("stream.fa");
        Run("mkfifo", fifo);
        string output = _cli.PathOf("ids.jsonl");
        string agront = Path.Combine(AppContext.BaseDirectory, "agront.dll");
        using var process = Process.Start(new ProcessStartInfo("dotnet", $"\"{agront}\" tokenize --model \"{SharedData.TinyModel}\" -i \"{fifo}\" -o \"{output}\"")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        string[] temporaries;
        using (var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write))
        {
            writer.Write(">a\nACGTACGT"u8);
            writer.Flush();
            var clock = Stopwatch.StartNew();
            while ((temporaries = Directory.GetFiles(_cli.Folder, "ids.jsonl.tmp-*")).Length == 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(50);
            }
            Run("kill", "-KILL", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
        }
        Assert.Equal(137, process.ExitCode);
        Assert.Single(temporaries);
        Assert.True(File.Exists(temporaries[0]), "kill -9 should leave the temporary file behind");
        File.Delete(fifo);
        string input = _cli.PathOf("in.fa");
        File.WriteAllText(input, ">a\nACGTACGT\n");

        var (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", output);

        Assert.True(code == 0, stderr);
        Assert.Empty(Directory.GetFiles(_cli.Folder, "ids.jsonl.tmp-*"));
        Assert.True(File.Exists(output));
    }

    private static void Run(string file, params string[] arguments)
    {
        using var process = Process.Start(file, arguments);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
