namespace AgroNT.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        // First Ctrl+C asks the verb to stop cleanly (no partial output kept); a second one kills the process.
        Console.CancelKeyPress += (_, e) =>
        {
            if (!cancellation.IsCancellationRequested)
            {
                e.Cancel = true;
                cancellation.Cancel();
            }
        };
        return CliApp.Run(args, Console.Out, Console.Error, cancellation.Token);
    }
}
