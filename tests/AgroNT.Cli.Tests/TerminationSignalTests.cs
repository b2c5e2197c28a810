using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using AgroNT.Tests.Common;
using Xunit.Abstractions;

namespace AgroNT.Cli.Tests;

/// <summary>
/// SIGTERM, as docker stop, Kubernetes and Slurm send it, on a real <c>agront pretrain</c> process: the run writes a
/// checkpoint and exits 143, and <c>--resume</c> continues from that checkpoint.
/// </summary>
public sealed partial class TerminationSignalTests(ITestOutputHelper output) : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [GeneratedRegex(@"update (\d+)/")]
    private static partial Regex UpdateLine();

    [Fact]
    public void Pretrain_Sigterm_WritesACheckpointExits143AndResumeContinuesFromIt()
    {
        Assert.False(OperatingSystem.IsWindows(), "SIGTERM is a POSIX signal.");
        string genome = _cli.PathOf("genome.fa.gz");
        var random = new Random(2);
        using (var writer = new StreamWriter(new GZipStream(File.Create(genome), CompressionLevel.Fastest)))
        {
            writer.Write($">train\n{new string([.. Enumerable.Range(0, 3000).Select(_ => "ACGT"[random.Next(4)])])}\n");
        }
        string model = _cli.PathOf("model");
        // Far more updates than the test waits for, and no checkpoint before the signal: only the signal can write one.
        string arguments = $"pretrain --genome \"{genome}\" --out \"{model}\" --hidden 16 --layers 1 --heads 2 --intermediate 32 " +
            "--max-steps 1000000 --batch-tokens 120 --micro-batch 2 --window 300 --overlap 10 --validation-fraction 0 " +
            "--checkpoint-interval 1000000 --log-interval 1 --seed 5 --threads 1";

        (int code, string stderr, int reached) = RunUntilSigterm(arguments, afterUpdate: 3);

        Assert.True(code == 143, $"exit code {code}; stderr:\n{stderr}");
        Assert.Contains("--resume", stderr, StringComparison.Ordinal);
        string checkpoint = Assert.Single(Directory.GetDirectories(Path.Combine(model, "checkpoints")));
        Assert.NotEmpty(Directory.GetFiles(checkpoint));

        (int resumedCode, string resumedErrors, int resumedReached) = RunUntilSigterm(arguments + " --resume", afterUpdate: reached + 2);

        Assert.True(resumedCode == 143, $"exit code {resumedCode}; stderr:\n{resumedErrors}");
        int resumedAt = int.Parse(Regex.Match(resumedErrors, @"resuming at update (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(resumedAt, reached, reached + 1);
        Assert.True(resumedReached > resumedAt);
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(model, "checkpoints")).Length);
    }

    /// <summary>Starts agront, sends SIGTERM once it reports update <paramref name="afterUpdate"/>, and waits for it to end.</summary>
    private (int ExitCode, string Stderr, int LastUpdate) RunUntilSigterm(string arguments, int afterUpdate)
    {
        string agront = Path.Combine(AppContext.BaseDirectory, "agront.dll");
        Assert.True(File.Exists(agront), $"{agront} is missing; build the test project first.");
        var info = new ProcessStartInfo("dotnet", $"\"{agront}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = SharedData.RepositoryRoot,
        };
        using var process = Process.Start(info)!;
        var stderr = new StringBuilder();
        int lastUpdate = -1;
        var reached = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
            if (UpdateLine().Match(e.Data) is { Success: true } match)
            {
                lastUpdate = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (lastUpdate >= afterUpdate)
                {
                    reached.TrySetResult();
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            if (!reached.Task.Wait(TimeSpan.FromSeconds(120)))
            {
                throw new TimeoutException($"agront did not reach update {afterUpdate} in 120 s; stderr:\n{stderr}");
            }
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                kill.WaitForExit();
                Assert.Equal(0, kill.ExitCode);
            }
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "agront did not stop within 60 s of SIGTERM.");
            process.WaitForExit(); // drains the redirected streams
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        output.WriteLine(stderr.ToString());
        return (process.ExitCode, stderr.ToString(), lastUpdate);
    }
}
