using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary>
/// Progress of the long verbs, as users see it: a live bar (percentage, rate, ETA) when standard error is a terminal,
/// here a real pseudo-terminal made by util-linux <c>script</c>; plain lines without escape codes when it is a file;
/// nothing with <c>--quiet</c>; and a bar that moves inside one long record.
/// </summary>
public sealed partial class ProgressDisplayTests : IDisposable
{
    private static readonly string s_test = Path.Combine(SharedData.Data, "tasks", "chloroplast_coding", "test.fa");
    private static readonly string s_chloroplast = Path.Combine(SharedData.Data, "arabidopsis_chloroplast_NC_000932.fa");

    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [GeneratedRegex(@"agront embed: (\d+)% ")]
    private static partial Regex PlainPercentage();

    [Fact]
    public void Embed_UnderAPseudoTerminal_DrawsABarWithPercentageRateAndEta()
    {
        string output = _cli.PathOf("test.npy");

        var (code, screen) = RunUnderTerminal($"embed --model '{SharedData.TinyModel}' -i '{s_test}' -o '{output}'");

        Assert.True(code == 0, screen);
        Assert.True(File.Exists(output));
        Assert.Contains("\u001b[", screen, StringComparison.Ordinal); // drawn with the terminal's escape codes
        Assert.Contains("\u2501", screen, StringComparison.Ordinal); // the bar's segments
        Assert.Contains("100%", screen, StringComparison.Ordinal);
        Assert.Matches(@"\d B/s|kB/s", screen);
        Assert.Contains("ETA 0:00", screen, StringComparison.Ordinal);
        Assert.Contains($"58.83 kB/{ByteSize.Format(new FileInfo(s_test).Length)}", screen.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("134 records", screen, StringComparison.Ordinal);
    }

    [Fact]
    public void Embed_StderrRedirectedToAFile_PrintsPlainLinesWithoutEscapeCodes()
    {
        string output = _cli.PathOf("test.npy");
        string log = _cli.PathOf("stderr.log");

        int code = RunWithStderrInFile($"embed --model '{SharedData.TinyModel}' -i '{s_test}' -o '{output}'", log, interval: "0");

        string text = File.ReadAllText(log);
        Assert.True(code == 0, text);
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\r', text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 2, text);
        Assert.All(lines, line => Assert.Matches(@"^agront embed: \d+% \([\d.]+ k?B of 58.83 kB\), [\d.]+ k?B/s, ETA \d+:\d\d; [\d,]+ records, [\d,]+ bp$", line));
        Assert.EndsWith("100% (58.83 kB of 58.83 kB)", lines[^1].Split(',')[0], StringComparison.Ordinal);
        Assert.EndsWith("134 records, 53,868 bp", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Embed_Quiet_PrintsNoProgressOnATerminalNorInALog()
    {
        string input = _cli.PathOf("ten.fa");
        File.WriteAllLines(input, File.ReadLines(s_test).Take(20));
        string output = _cli.PathOf("ten.npy");

        var (code, screen) = RunUnderTerminal($"embed --quiet --model '{SharedData.TinyModel}' -i '{input}' -o '{output}'");

        Assert.True(code == 0, screen);
        Assert.True(File.Exists(output));
        // What agront wrote: the lines between script's header and footer, less .NET's own terminal set-up (keypad mode).
        var lines = screen.Split('\n');
        string written = string.Join('\n', lines[1..^2]).Replace("\u001b[?1h\u001b=", "", StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', written);
        Assert.DoesNotContain("%", written, StringComparison.Ordinal);
        Assert.DoesNotContain("\u2501", written, StringComparison.Ordinal);
        Assert.Equal("", written.Trim());

        // And without a terminal, even with lines asked for at every report.
        using (CliProgress.Override(new CliProgress.ProgressEnvironment(null, TimeSpan.Zero)))
        {
            var loud = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", input, "-o", _cli.PathOf("loud.npy"));
            var quiet = _cli.Run("embed", "-q", "--model", SharedData.TinyModel, "-i", input, "-o", _cli.PathOf("quiet.npy"));
            Assert.True(loud.ExitCode == 0 && quiet.ExitCode == 0, loud.Stderr + quiet.Stderr);
            Assert.Contains("agront embed: 100%", loud.Stderr, StringComparison.Ordinal);
            Assert.Equal("", quiet.Stderr);
            Assert.Equal(File.ReadAllBytes(_cli.PathOf("loud.npy")), File.ReadAllBytes(_cli.PathOf("quiet.npy")));
        }
    }

    [Fact]
    public void Embed_OneLongRecord_ProgressMovesBeforeTheRecordEnds()
    {
        using var _ = CliProgress.Override(new CliProgress.ProgressEnvironment(null, TimeSpan.Zero));

        var run = _cli.Run("embed", "--model", SharedData.TinyModel, "-i", s_chloroplast, "-o", _cli.PathOf("genome.npy"), "--length-policy", "windows");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var percentages = PlainPercentage().Matches(run.Stderr).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        // The file holds one record of 154 kb (26 windows, 4 forward passes): the bar is between 0 and 100% in between.
        Assert.True(percentages.Count(p => p is > 0 and < 100) >= 2, run.Stderr);
        Assert.Equal(percentages.Order(), percentages);
        Assert.Equal(100, percentages[^1]);
        Assert.Contains("0 records, ", run.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("1 records, 154,478 bp", run.Stderr.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void IsTerminal_IsFalseForAnyWriterButTheProcesssOwnStandardError()
    {
        Assert.False(CliProgress.IsTerminal(new StringWriter()));
        Assert.False(CliProgress.IsTerminal(new TerminalSafeWriter(new StringWriter())));
        // Under the test runner standard error is a pipe, not a terminal.
        Assert.Equal(!Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb", CliProgress.IsTerminal(new TerminalSafeWriter(Console.Error)));
    }

    /// <summary>Runs agront with standard error on a pseudo-terminal of 120 columns and returns what the terminal received.</summary>
    private (int ExitCode, string Screen) RunUnderTerminal(string arguments)
    {
        string typescript = _cli.PathOf("typescript");
        string command = $"stty cols 120 rows 40; exec dotnet '{Agront()}' {arguments}";
        var info = new ProcessStartInfo("script")
        {
            ArgumentList = { "-q", "-f", "-e", "-c", command, typescript },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = SharedData.RepositoryRoot,
        };
        info.Environment["TERM"] = "xterm-256color";
        info.Environment.Remove(CliProgress.IntervalVariable);
        using var process = Start(info, "util-linux 'script' (apt-get install bsdutils) makes the pseudo-terminal");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "agront did not finish within 5 minutes under script");
        return (process.ExitCode, File.ReadAllText(typescript));
    }

    /// <summary>Runs agront with standard error sent to <paramref name="log"/> by the shell, as in a batch job.</summary>
    private static int RunWithStderrInFile(string arguments, string log, string interval)
    {
        var info = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", $"exec dotnet '{Agront()}' {arguments} 2> '{log}' > /dev/null < /dev/null" },
            UseShellExecute = false,
            WorkingDirectory = SharedData.RepositoryRoot,
        };
        info.Environment[CliProgress.IntervalVariable] = interval;
        using var process = Start(info, "bash runs agront");
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "agront did not finish within 5 minutes");
        return process.ExitCode;
    }

    private static Process Start(ProcessStartInfo info, string what)
    {
        try
        {
            return Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Cannot start {info.FileName}: {what}. {e.Message}", e);
        }
    }

    private static string Agront()
    {
        string agront = Path.Combine(AppContext.BaseDirectory, "agront.dll");
        Assert.True(File.Exists(agront), $"{agront} is missing; build the test project first.");
        return agront;
    }
}
