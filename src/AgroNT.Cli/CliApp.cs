namespace AgroNT.Cli;

/// <summary>Entry point of the agront tool, separated from Main so tests can run verbs in-process.</summary>
internal static class CliApp
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        stdout.WriteLine("agront");
        return 0;
    }
}
