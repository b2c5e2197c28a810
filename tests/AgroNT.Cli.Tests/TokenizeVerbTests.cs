using System.Text.Json.Nodes;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

public sealed class TokenizeVerbTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static List<JsonNode> ReadJsonLines(string path) =>
        File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!).ToList();

    [Fact]
    public void Tokenize_HfModeOnFixtureTexts_MatchesHuggingFaceIdsExactly()
    {
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.HfReference, "index.json")))!;
        var records = index["fixtures"]!["tokenization"]!.AsArray()
            .Where(r => r!["text"] is not null && r["input_ids"] is not null)
            .Select(r => (Text: (string)r!["text"]!, Ids: r["input_ids"]!.AsArray().Select(v => (int)v!).ToArray()))
            .Where(r => !r.Text.Contains('\n') && !r.Text.Contains('\r') && r.Ids.Length <= 1024)
            .ToList();
        Assert.True(records.Count >= 25);
        string input = _cli.PathOf("fixtures.txt");
        File.WriteAllText(input, string.Join("\n", records.Select(r => r.Text)) + "\n");
        string output = _cli.PathOf("ids.jsonl");

        var (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", output, "--tokenizer-mode", "hf");

        Assert.True(code == 0, stderr);
        var lines = ReadJsonLines(output);
        Assert.Equal(records.Count, lines.Count);
        for (int i = 0; i < records.Count; i++)
        {
            Assert.Equal($"line{i + 1}", (string)lines[i]["id"]!);
            Assert.Equal(records[i].Ids, lines[i]["input_ids"]!.AsArray().Select(v => (int)v!).ToArray());
        }
    }

    [Fact]
    public void Tokenize_LowercaseGenomeInNormalizeMode_GivesTheUppercaseIds()
    {
        string upper = _cli.PathOf("upper.fa"), lower = _cli.PathOf("lower.fa");
        File.WriteAllText(upper, ">r1\nACGTACGTTTGACCA\n>r2\nGGGNNACGTAC\n");
        File.WriteAllText(lower, ">r1\nacgtacgtttgacca\n>r2\ngggnnacgtac\n");
        Assert.Equal(0, _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", upper, "-o", _cli.PathOf("u.jsonl")).ExitCode);
        Assert.Equal(0, _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", lower, "-o", _cli.PathOf("l.jsonl"), "--tokenizer-mode", "normalize").ExitCode);
        Assert.Equal(File.ReadAllText(_cli.PathOf("u.jsonl")), File.ReadAllText(_cli.PathOf("l.jsonl")));
        // In hf mode the same lowercase text is one <unk> per record, as Hugging Face does.
        Assert.Equal(0, _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", lower, "-o", _cli.PathOf("h.jsonl"), "--tokenizer-mode", "hf").ExitCode);
        Assert.All(ReadJsonLines(_cli.PathOf("h.jsonl")), l => Assert.Equal(new[] { 3, 0 }, l["input_ids"]!.AsArray().Select(v => (int)v!).ToArray()));
    }

    [Fact]
    public void Tokenize_RealTaskFasta_WritesOneLinePerRecordInOrder()
    {
        string input = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa");
        string output = _cli.PathOf("test.jsonl");
        Assert.Equal(0, _cli.Run("tokenize", "-i", input, "-o", output).ExitCode);
        var lines = ReadJsonLines(output);
        var names = Transforms.Sequences.SequenceReader.ReadFile(input).Select(r => r.Name).ToList();
        Assert.Equal(names, lines.Select(l => (string)l["id"]!).ToList());
        // 402 bp of clean DNA: <cls> + 67 six-mers.
        Assert.All(lines, l => Assert.Equal(68, l["input_ids"]!.AsArray().Count));
        Assert.All(lines, l => Assert.All(l["input_ids"]!.AsArray(), v => Assert.InRange((int)v!, 0, 4104)));
    }

    [Fact]
    public void Tokenize_WindowsPolicy_CoversALongRecordWithBoundedWindows()
    {
        string input = Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa");
        string output = _cli.PathOf("bac.jsonl");
        var (code, _, stderr) = _cli.Run("tokenize", "-i", input, "-o", output, "--length-policy", "windows");
        Assert.True(code == 0, stderr);
        var lines = ReadJsonLines(output);
        Assert.True(lines.Count >= 15);
        Assert.All(lines, l => Assert.InRange(l["input_ids"]!.AsArray().Count, 2, 1024));
        Assert.Equal(86436, (int)lines[^1]["base_end"]!);
    }

    [Fact]
    public void Tokenize_OverLongRecordByDefault_FailsWithOneLineNamingTheOption()
    {
        string output = _cli.PathOf("bac.jsonl");
        var (code, _, stderr) = _cli.Run("tokenize", "-i", Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa"), "-o", output);
        Assert.Equal(1, code);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Contains("AC007323.5", stderr);
        Assert.Contains("--length-policy", stderr);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_cli.Folder, "*.tmp-*"));
    }

    [Fact]
    public void Tokenize_BadCharacterInNormalizeMode_NamesRecordAndPosition()
    {
        string input = _cli.PathOf("bad.fa");
        File.WriteAllText(input, ">ok\nACGT\n>broken\nACGT*ACGT\n");
        var (code, _, stderr) = _cli.Run("tokenize", "-i", input, "-o", _cli.PathOf("out.jsonl"));
        Assert.Equal(1, code);
        Assert.Contains("broken", stderr);
        Assert.Contains("4", stderr);
        Assert.False(File.Exists(_cli.PathOf("out.jsonl")));
    }

    [Fact]
    public void Tokenize_MissingInput_ExitsOneWithThePath()
    {
        var (code, _, stderr) = _cli.Run("tokenize", "-i", _cli.PathOf("nope.fa"), "-o", _cli.PathOf("o.jsonl"));
        Assert.Equal(1, code);
        Assert.Contains("nope.fa", stderr);
    }

    [Fact]
    public void Tokenize_MissingOutputOption_IsAUsageError()
    {
        var (code, _, stderr) = _cli.Run("tokenize", "-i", Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa"));
        Assert.Equal(2, code);
        Assert.Contains("--output", stderr);
    }

    [Fact]
    public void Run_UnknownVerbOrOption_IsAUsageError()
    {
        Assert.Equal(2, _cli.Run("frobnicate").ExitCode);
        var (code, _, stderr) = _cli.Run("tokenize", "--bogus", "1");
        Assert.Equal(2, code);
        Assert.Contains("--bogus", stderr);
    }

    [Fact]
    public void Tokenize_MissingModelFolder_SaysHowToGetIt()
    {
        var (code, _, stderr) = _cli.Run("tokenize", "--model", _cli.PathOf("no-model"), "-i", Path.Combine(SharedData.Data, "arabidopsis_bac_T25K16.fa"), "-o", _cli.PathOf("o.jsonl"));
        Assert.Equal(1, code);
        Assert.Contains("no-model", stderr);
    }

    [Fact]
    public void Tokenize_StrandReverseAndBoth_TokenizeTheReverseComplement()
    {
        string input = _cli.PathOf("s.fa");
        // Soft-masked, RNA and IUPAC letters: the reverse strand reads them as normalize mode does forward.
        File.WriteAllText(input, ">r1\nACGTACgttugaRcaNACGTAAAC\n>r2\nGGGCCCAUAUAU\n");
        string clean = _cli.PathOf("rc.fa");
        File.WriteAllText(clean, ">r1\nGTTTACGTNTGNTCAAACGTACGT\n>r2\nATATATGGGCCC\n");
        Assert.Equal(0, _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", clean, "-o", _cli.PathOf("expected.jsonl")).ExitCode);
        var expected = ReadJsonLines(_cli.PathOf("expected.jsonl"));
        var forwardRun = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", _cli.PathOf("f.jsonl"));
        Assert.Equal(0, forwardRun.ExitCode);
        var forward = ReadJsonLines(_cli.PathOf("f.jsonl"));

        var run = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", _cli.PathOf("r.jsonl"), "--strand", "reverse");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var reverse = ReadJsonLines(_cli.PathOf("r.jsonl"));
        Assert.Equal(2, reverse.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal("reverse", (string)reverse[i]["strand"]!);
            Assert.Equal(expected[i]["input_ids"]!.ToJsonString(), reverse[i]["input_ids"]!.ToJsonString());
        }

        run = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", _cli.PathOf("b.jsonl"), "--strand", "both");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var both = ReadJsonLines(_cli.PathOf("b.jsonl"));
        Assert.Equal(new[] { "r1/forward", "r1/reverse", "r2/forward", "r2/reverse" }, both.Select(l => $"{l["id"]}/{l["strand"]}"));
        Assert.Equal(forward[0]["input_ids"]!.ToJsonString(), both[0]["input_ids"]!.ToJsonString());
        Assert.Equal(expected[1]["input_ids"]!.ToJsonString(), both[3]["input_ids"]!.ToJsonString());
    }

    [Fact]
    public void Tokenize_UnknownStrand_IsAUsageError()
    {
        var (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa"), "-o", _cli.PathOf("x.jsonl"), "--strand", "minus");
        Assert.Equal(2, code);
        Assert.Contains("--strand must be one of forward|reverse|both", stderr);
    }
}
