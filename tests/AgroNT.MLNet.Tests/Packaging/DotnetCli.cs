using System.Diagnostics;
using System.Text;

namespace AgroNT.MLNet.Tests.Packaging;

/// <summary>Runs the dotnet CLI as a child process for the packaging tests, leaving nothing running behind.</summary>
internal static class DotnetCli
{
    /// <summary>The xunit collection of the tests that build with the dotnet CLI: one such build at a time.</summary>
    public const string Collection = "dotnet CLI builds";

    /// <summary>
    /// Runs <c>dotnet ARGS</c> without build servers or node reuse (nothing outlives the test) and without the test
    /// host's MSBuild variables; <paramref name="environment"/> sets (or, with a null value, removes) variables.
    /// </summary>
    public static (int ExitCode, string Output) Run(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (arguments[0] is "build" or "pack" or "restore" or "publish")
        {
            start.ArgumentList.Add("--disable-build-servers");
            start.ArgumentList.Add("-nodeReuse:false");
        }
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', arguments)} did not finish in 3 minutes:\n{output}");
        }
        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>Like <see cref="Run"/>, and fails the test unless the command exits 0.</summary>
    public static string Succeed(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var (exitCode, text) = Run(workingDirectory, environment, arguments);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} exited {exitCode}:\n{text}");
        return text;
    }
}
