namespace AgroNT.Transforms.IO;

/// <summary>
/// The one way synchronous code here waits for asynchronous-only calls (Parquet.Net's reader and writer, the Hub
/// downloader's synchronous face, the command line's cluster client). Going through the thread pool means a caller's
/// synchronization context (a UI thread) can never deadlock on a continuation; exceptions surface unwrapped.
/// </summary>
internal static class SyncOverAsync
{
    public static void Run(Func<Task> action) => Task.Run(action).GetAwaiter().GetResult();

    public static T Run<T>(Func<Task<T>> function) => Task.Run(function).GetAwaiter().GetResult();
}
