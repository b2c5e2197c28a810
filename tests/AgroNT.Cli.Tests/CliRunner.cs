namespace AgroNT.Cli.Tests;

/// <summary>Runs agront in-process and captures its streams; one temporary folder per test class instance.</summary>
public sealed class CliRunner : IDisposable
{
    public CliRunner()
    {
        Folder = Directory.CreateTempSubdirectory("agront-cli-").FullName;
    }

    public string Folder { get; }

    public string PathOf(string name) => System.IO.Path.Combine(Folder, name);

    public (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
