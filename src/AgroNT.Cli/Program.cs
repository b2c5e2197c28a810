using System.Runtime.InteropServices;

namespace AgroNT.Cli;

internal static class Program
{
    /// <summary>The shell's code for a process ended by SIGTERM (128 + 15), what docker, Kubernetes and Slurm expect.</summary>
    private const int TerminatedExitCode = 143;

    private const int CancelledExitCode = 130;

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

        // SIGTERM (docker stop, a Kubernetes eviction, Slurm preemption) is a request to stop too: training verbs write
        // a checkpoint and exit 143 instead of losing everything since the last one. A second SIGTERM ends at once.
        int terminated = 0;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            if (Interlocked.Exchange(ref terminated, 1) == 0)
            {
                context.Cancel = true;
                cancellation.Cancel();
            }
        });

        int code = CliApp.Run(args, Console.Out, Console.Error, cancellation.Token);
        return code == CancelledExitCode && Volatile.Read(ref terminated) == 1 ? TerminatedExitCode : code;
    }
}
