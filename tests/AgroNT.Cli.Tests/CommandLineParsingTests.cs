using System.Diagnostics;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary>
/// The command line as System.CommandLine parses it: generated help, response files, bundled flags, <c>--name=value</c>,
/// <c>--</c>, repeated values, shell completion through the <c>[suggest]</c> directive (in a real agront process and a
/// real bash), one-line usage errors (exit 2), and library messages told with the CLI's flags instead of C# settings.
/// </summary>
public sealed class CommandLineParsingTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void RootHelp_ListsEveryVerbWithItsSummaryInOneAlignedColumn()
    {
        var (code, stdout, _) = _cli.Run("--help");

        Assert.Equal(0, code);
        string[] lines = stdout.ReplaceLineEndings("\n").Split('\n');
        var columns = new List<int>();
        foreach (string verb in CliApp.VerbNames)
        {
            string row = Assert.Single(lines, l => l.StartsWith("  " + verb + " ", StringComparison.Ordinal));
            int column = row.IndexOf(' ', 2 + verb.Length);
            // At least two spaces between the longest verb name and its summary, and every summary in one column.
            Assert.True(row[(2 + verb.Length)..].StartsWith("  ", StringComparison.Ordinal), row);
            columns.Add(row.Length - row[(2 + verb.Length)..].TrimStart().Length);
        }
        Assert.Single(columns.Distinct());
        Assert.Contains("  score-variants  zero-shot variant effect scores", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void NoArguments_PrintsTheHelpAndExits2()
    {
        var (code, stdout, _) = _cli.Run();

        Assert.Equal(2, code);
        Assert.Contains("agront VERB [options]", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void VerbHelp_ListsEachOptionWithItsAliasAndHelpText_AndHelpVerbSaysTheSame()
    {
        var (code, stdout, _) = _cli.Run("embed", "--help");
        var (helpCode, helpStdout, _) = _cli.Run("help", "embed");

        Assert.Equal(0, code);
        Assert.Equal(0, helpCode);
        Assert.Equal(stdout, helpStdout);
        string[] lines = stdout.ReplaceLineEndings("\n").Split('\n');
        Assert.StartsWith("agront embed: embed DNA with AgroNT", lines[0], StringComparison.Ordinal);
        string model = Assert.Single(lines, l => l.TrimStart().StartsWith("-m, --model VALUE ", StringComparison.Ordinal));
        Assert.Contains("Hugging Face model folder or cached Hub id", model, StringComparison.Ordinal);
        int helpColumn = model.IndexOf("Hugging Face", StringComparison.Ordinal);
        string policy = Assert.Single(lines, l => l.TrimStart().StartsWith("--length-policy VALUE ", StringComparison.Ordinal));
        Assert.Equal(helpColumn, policy.IndexOf("over 1024 tokens", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.True(l.Length <= 120, $"help line longer than 120 columns: {l}"));
    }

    [Fact]
    public void Help_OfAVerbWithAPositionalArgument_NamesItsValues()
    {
        var (code, stdout, _) = _cli.Run("plot", "-h");

        Assert.Equal(0, code);
        Assert.Contains("<CHART>  embeddings or metrics", stdout, StringComparison.Ordinal);
        Assert.Contains("agront plot metrics -i metrics.csv", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ResponseFile_ExpandsToTheSameRunAsTheArgumentsItHolds()
    {
        string input = _cli.PathOf("in.fa");
        File.WriteAllText(input, ">a\nACGTACGTACGTAA\n>b\nTTTTGGGGCCCCAAGT\n");
        string direct = _cli.PathOf("direct.jsonl");
        string viaFile = _cli.PathOf("rsp.jsonl");
        string rsp = _cli.PathOf("args.rsp");
        File.WriteAllLines(rsp, ["tokenize", $"--model \"{SharedData.TinyModel}\"", $"-i \"{input}\"", $"--output=\"{viaFile}\""]);

        var (directCode, _, directErr) = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", direct);
        var (code, _, stderr) = _cli.Run("@" + rsp);

        Assert.True(directCode == 0, directErr);
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllText(direct), File.ReadAllText(viaFile));
        Assert.Equal(2, File.ReadAllLines(viaFile).Length);
    }

    [Fact]
    public void ResponseFile_Missing_IsOneUsageLineNamingIt()
    {
        string rsp = _cli.PathOf("missing.rsp");

        var (code, _, stderr) = _cli.Run("@" + rsp);

        Assert.Equal(2, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"response file '{rsp}' not found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void BundledShortFlags_InlineValues_DoubleDash_AndRepeatedValues_ParseAsTheVerbExpects()
    {
        var download = new DownloadVerb().Options;

        var bundled = new ParsedArguments("download", download, ["-qr", "v2", "--include", "config.json", "vocab.txt", "*.safetensors", "ORG/NAME"]);
        var inline = new ParsedArguments("download", download, ["--revision=v3", "--include=a.json", "--include", "b.txt", "--", "--not-an-option"]);
        var fillMask = new ParsedArguments("fill-mask", new FillMaskVerb().Options, ["-k3", "--json", "ACGT<mask>"]);

        Assert.True(bundled.Has("quiet"));
        Assert.Equal("v2", bundled.Get("revision"));
        // A repeatable option takes every value up to the next option, then the positional argument follows.
        Assert.Equal(["config.json", "vocab.txt", "*.safetensors", "ORG/NAME"], bundled.GetAll("include"));
        Assert.Equal("v3", inline.Get("revision"));
        Assert.Equal(["a.json", "b.txt"], inline.GetAll("include"));
        Assert.Equal(["--not-an-option"], inline.Positional);
        Assert.False(inline.Has("quiet"));
        Assert.Equal(3, fillMask.GetInt("top-k", 5));
        Assert.True(fillMask.Has("json"));
        Assert.Equal(["ACGT<mask>"], fillMask.Positional);
    }

    [Theory]
    [InlineData(new[] { "tokenize", "--modle", "m" }, "unknown option '--modle' for 'tokenize' (see 'agront tokenize --help').")]
    [InlineData(new[] { "tokenize", "-x" }, "unknown option '-x' for 'tokenize' (see 'agront tokenize --help').")]
    [InlineData(new[] { "embed", "--model", "a", "--model", "b" }, "option '--model' is given more than once.")]
    [InlineData(new[] { "fill-mask", "--json=yes", "A<mask>" }, "option '--json' is a flag and takes no value.")]
    [InlineData(new[] { "embed", "-i" }, "option '--input' needs a value.")]
    [InlineData(new[] { "embed", "-o", "-m", "x" }, "option '--output' needs a value, but '-m' follows it.")]
    [InlineData(new[] { "tokenize", "stray" }, "unexpected argument 'stray': 'tokenize' takes no positional arguments (see 'agront tokenize --help').")]
    [InlineData(new[] { "cluster", "status" }, "'cluster' needs --redis.")]
    [InlineData(new[] { "embed", "-i", "a.fa" }, "'embed' needs --output.")]
    [InlineData(new[] { "finetune", "--task", "t.fa" }, "--task must be binary, multilabel, regression or multiregression, got 't.fa'.")]
    [InlineData(new[] { "bogus" }, "unknown verb 'bogus'; verbs: tokenize,")]
    [InlineData(new[] { "help", "bogus" }, "unknown verb 'bogus'; verbs: tokenize,")]
    [InlineData(new[] { "--bogus" }, "unknown option '--bogus'; give a verb first: agront VERB --bogus")]
    [InlineData(new[] { "completion", "fish" }, "unknown shell 'fish'; use bash or zsh.")]
    public void UsageError_IsOneLineNamingTheOptionAndTheFix_Exit2(string[] args, string expected)
    {
        var (code, stdout, stderr) = _cli.Run(args);

        Assert.True(code == 2, stderr);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidCharacter_UnderTheDefaultMode_NamesTheTokenizerModeFlagNotTheCSharpSetting()
    {
        string input = _cli.PathOf("gap.fa");
        File.WriteAllText(input, ">gapped\nACGTAC-GTACGT\n>ok\nACGTACGT\n");

        var (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", _cli.PathOf("t.jsonl"));

        Assert.Equal(1, code);
        Assert.Contains("Sequence 'gapped' has the character '-'", stderr, StringComparison.Ordinal);
        Assert.Contains("--tokenizer-mode normalize (the default) does not accept", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("TokenizerMode.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownLetter_NamesTokenizerModeHfAsTheWayToKeepIt()
    {
        string input = _cli.PathOf("x.fa");
        File.WriteAllText(input, ">odd\nACGTACXXGTACGT\n");

        var (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", _cli.PathOf("t.jsonl"));

        Assert.Equal(1, code);
        Assert.Contains("Sequence 'odd' has the character 'X'", stderr, StringComparison.Ordinal);
        Assert.Contains("--tokenizer-mode hf to map unknown runs to <unk>", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("TokenizerMode.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void TooLongSequence_NamesTheLengthPolicyFlagNotKmerTokenizerOptions()
    {
        string input = _cli.PathOf("long.fa");
        File.WriteAllText(input, ">long\n" + string.Concat(Enumerable.Repeat("ACGTAT", 1200)) + "\n");

        var (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", _cli.PathOf("t.jsonl"));

        Assert.Equal(1, code);
        Assert.Contains("Sequence 'long' encodes to 1201 tokens", stderr, StringComparison.Ordinal);
        Assert.Contains("Use --length-policy truncate to keep the first 1024 tokens, or --length-policy windows to cover the whole sequence.", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("KmerTokenizerOptions", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("EncodeWindows", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void StrideLongerThanTheWindow_NamesTheStrideFlagAndTheValue()
    {
        string input = _cli.PathOf("a.fa");
        File.WriteAllText(input, ">a\nACGTACGTACGT\n");

        var (code, _, stderr) = _cli.Run("tokenize", "--model", SharedData.TinyModel, "-i", input, "-o", _cli.PathOf("t.jsonl"),
            "--length-policy", "windows", "--stride", "5000");

        Assert.Equal(1, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--stride must be between 1 and 1023 tokens", stderr, StringComparison.Ordinal);
        Assert.Contains("(got 5000)", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("KmerTokenizerOptions", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter '", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void VariantWindowLongerThanTheModel_NamesTheWindowFlagNotVariantScoringOptions()
    {
        string reference = _cli.PathOf("chloroplast.fa");
        File.Copy(Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa"), reference);
        string vcf = _cli.PathOf("v.vcf");
        File.WriteAllText(vcf, "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nNC_000932.1\t500\tv1\tA\tC\t.\t.\t.\n");

        var (code, _, stderr) = _cli.Run("score-variants", "--model", SharedData.TinyModel, "--reference", reference, "--vcf", vcf,
            "-o", _cli.PathOf("s.tsv"), "--window", "1000000");

        Assert.Equal(1, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--window must be between 6 and", stderr, StringComparison.Ordinal);
        Assert.Contains("(got 1000000)", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("VariantScoringOptions", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void CompletionScripts_ArePrintedByARealProcess()
    {
        var (code, bash, stderr) = RunAgront("completion", "bash");
        var (zshCode, zsh, _) = RunAgront("completion", "zsh");

        Assert.True(code == 0, stderr);
        Assert.Contains("complete -o default -F _agront_complete agront", bash, StringComparison.Ordinal);
        Assert.Contains("[suggest:${COMP_POINT}]", bash, StringComparison.Ordinal);
        Assert.Equal(0, zshCode);
        Assert.Contains("compdef _agront agront", zsh, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("agront embed --len", "--length-policy")]
    [InlineData("agront sc", "score-variants")]
    [InlineData("agront plot ", "embeddings\nmetrics")]
    [InlineData("agront cluster st", "status")]
    public void SuggestDirective_CompletesTheWordAtTheCursor(string line, string expected)
    {
        var (code, stdout, stderr) = RunAgront($"[suggest:{line.Length}]", line);

        Assert.True(code == 0, stderr);
        string[] candidates = stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(expected.Split('\n'), e => Assert.Contains(e, candidates));
    }

    [Fact]
    public void SuggestDirective_ListsTheVerbsOwnOptions_NotAnotherVerbs()
    {
        var (code, stdout, stderr) = RunAgront("[suggest:17]", "agront tokenize -");

        Assert.True(code == 0, stderr);
        string[] candidates = stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] tokenizeOptions = [.. new TokenizeVerb().Options.Select(o => "--" + o.Name)];
        Assert.All(tokenizeOptions, o => Assert.Contains(o, candidates));
        Assert.DoesNotContain("--batch-size", candidates);
    }

    [Fact]
    public void BashCompletionScript_CompletesAnOptionInARealBash()
    {
        Assert.False(OperatingSystem.IsWindows(), "runs bash");
        // agront on PATH, as an installed tool would be: a wrapper running this build.
        string bin = Directory.CreateDirectory(_cli.PathOf("bin")).FullName;
        string wrapper = Path.Combine(bin, "agront");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet \"{Path.Combine(AppContext.BaseDirectory, "agront.dll")}\" \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        string script = _cli.PathOf("agront.bash");
        File.WriteAllText(script, RunAgront("completion", "bash").Stdout);
        string driver = $"source \"{script}\"\nCOMP_LINE='agront embed --length-p'\nCOMP_POINT=${{#COMP_LINE}}\nCOMP_WORDS=(agront embed --length-p)\nCOMP_CWORD=2\n_agront_complete\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n";

        var info = new ProcessStartInfo("bash", ["-c", driver]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        using var bash = Process.Start(info)!;
        string stdout = bash.StandardOutput.ReadToEnd();
        string stderr = bash.StandardError.ReadToEnd();
        Assert.True(bash.WaitForExit(120_000), "bash completion did not finish");

        Assert.True(bash.ExitCode == 0, stderr);
        Assert.Equal("--length-policy", stdout.Trim());
    }

    private static (int ExitCode, string Stdout, string Stderr) RunAgront(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "agront.dll"));
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "agront did not finish");
        return (process.ExitCode, stdout.Result, stderr);
    }
}
