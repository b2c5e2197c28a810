using AgroNT.Tests.Common;

namespace AgroNT.Transforms.Tests.Benchmarks;

/// <summary>
/// A temporary benchmark root in the Hub layout, filled at test time with symbolic links to the two labelled tasks in
/// the repository's data/tasks.
/// </summary>
internal sealed class BenchmarkFolder : IDisposable
{
    public BenchmarkFolder()
    {
        Root = Directory.CreateTempSubdirectory("agront-pgb-").FullName;
    }

    public string Root { get; }

    public static string SharedTask(string task, string split) => Path.Combine(SharedData.Data, "tasks", task, $"{split}.fa");

    /// <summary>Links <c>data/tasks/&lt;sharedTask&gt;/{split}.fa</c> as <c>&lt;family&gt;/&lt;config&gt;_{split}.fa</c>.</summary>
    public BenchmarkFolder Link(string sharedTask, string family, string config, params string[] splits)
    {
        Directory.CreateDirectory(Path.Combine(Root, family));
        foreach (string split in splits.Length == 0 ? ["train", "validation", "test"] : splits)
        {
            File.CreateSymbolicLink(Path.Combine(Root, family, $"{config}_{split}.fa"), SharedTask(sharedTask, split));
        }
        return this;
    }

    public string Write(string relativePath, string text)
    {
        string path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
