namespace AgroNT.MLNet.Analysis;

/// <summary>
/// Runs Parquet.Net's asynchronous-only calls from the synchronous reader and writer. Going through the thread pool
/// means a caller's synchronization context (a UI thread) can never deadlock on a continuation.
/// </summary>
internal static class SyncOverAsync
{
    public static void Run(Func<Task> action) => Task.Run(action).GetAwaiter().GetResult();

    public static T Run<T>(Func<Task<T>> function) => Task.Run(function).GetAwaiter().GetResult();
}
