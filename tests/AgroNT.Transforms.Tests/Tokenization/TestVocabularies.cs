using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;

namespace AgroNT.Transforms.Tests.Tokenization;

/// <summary>Shared test inputs: the tiny model's vocabulary (read once), random DNA, temporary model folders.</summary>
internal static class TestVocabularies
{
    private static readonly Lazy<KmerVocabulary> s_tiny = new(() => KmerVocabulary.FromModelFolder(SharedData.TinyModel));

    public static KmerVocabulary Tiny => s_tiny.Value;

    public static KmerTokenizer Create(KmerTokenizerOptions? options = null) => KmerTokenizer.Create(Tiny, options);

    public static KmerTokenizer Hf(KmerTokenizerOptions? options = null) => KmerTokenizer.Create(Tiny, (options ?? KmerTokenizerOptions.Default) with { Mode = TokenizerMode.Hf });

    public static string RandomDna(Random random, int length, string alphabet = "ACGTN")
    {
        return string.Create(length, (random, alphabet), static (span, state) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = state.alphabet[state.random.Next(state.alphabet.Length)];
            }
        });
    }

    /// <summary>A temporary folder deleted on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agront-tok-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Write(string relativePath, string content)
        {
            string full = System.IO.Path.Combine(Path, relativePath);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
            return full;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless; never fail a test over cleanup.
            }
        }
    }
}
