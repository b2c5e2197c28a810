using System.Diagnostics;
using AgroNT.Transforms.IO;

namespace AgroNT.Transforms.Tests.IO;

public sealed class OutputPathsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agront-paths-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text = ">r\nACGT\n")
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void AreSameFile_SymbolicLinkToTheFile_IsTheSameFile()
    {
        string real = Write("genome.fa");
        string link = Path.Combine(_folder, "link.fa");
        File.CreateSymbolicLink(link, real);

        Assert.True(OutputPaths.AreSameFile(link, real));
        Assert.True(OutputPaths.AreSameFile(Path.Combine(_folder, ".", "genome.fa"), real));
    }

    [Fact]
    public void AreSameFile_HardLink_IsTheSameFile()
    {
        string real = Write("genome.fa");
        string hard = Path.Combine(_folder, "hard.fa");
        using (var ln = Process.Start("ln", [real, hard]))
        {
            ln.WaitForExit();
            Assert.Equal(0, ln.ExitCode);
        }

        Assert.True(OutputPaths.AreSameFile(hard, real));
    }

    [Fact]
    public void AreSameFile_CopyWithTheSameBytes_IsAnotherFile()
    {
        string first = Write("a.fa");
        string second = Write("b.fa");

        Assert.False(OutputPaths.AreSameFile(first, second));
        Assert.False(OutputPaths.AreSameFile(first, Path.Combine(_folder, "missing.fa")));
    }

    [Fact]
    public void AreSameFile_MissingFilesThroughALinkedFolder_AreTheSameFile()
    {
        string real = Directory.CreateDirectory(Path.Combine(_folder, "results")).FullName;
        string link = Path.Combine(_folder, "latest");
        Directory.CreateSymbolicLink(link, real);

        Assert.True(OutputPaths.AreSameFile(Path.Combine(link, "scores.tsv"), Path.Combine(real, "scores.tsv")));
        Assert.True(OutputPaths.AreSameFile(link, real + Path.DirectorySeparatorChar));
    }

    [Fact]
    public void Check_OutputIsAnInput_ThrowsNamingBoth()
    {
        string reference = Write("ref.fa");

        var error = Assert.Throws<ArgumentException>(() => OutputPaths.Check(
            [new("--vcf", Write("v.vcf")), new("--reference", reference)], [new("--output", reference)]));

        Assert.Contains("--output", error.Message, StringComparison.Ordinal);
        Assert.Contains("--reference", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--vcf", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_TwoOutputsAreOneFile_ThrowsNamingBoth()
    {
        string table = Path.Combine(_folder, "ism.tsv");

        var error = Assert.Throws<ArgumentException>(() => OutputPaths.Check([], [new("--output", table), new("--heatmap", Path.Combine(_folder, "sub", "..", "ism.tsv"))]));

        Assert.Contains("--heatmap", error.Message, StringComparison.Ordinal);
        Assert.Contains("--output", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DistinctPathsAndEmptyOnes_Pass()
    {
        OutputPaths.Check([new("--input", Write("in.fa")), new("--model", "")], [new("--output", Path.Combine(_folder, "out.jsonl")), new("--heatmap", "")]);
    }

    [Theory]
    [InlineData("scores.TSV", true)]
    [InlineData("scores.parquet", true)]
    [InlineData("scores.vcf", false)]
    [InlineData("scores", false)]
    public void CheckExtension_AcceptsOnlyTheWrittenFormats(string name, bool accepted)
    {
        void Act() => OutputPaths.CheckExtension(new("--output", name), ".tsv", ".parquet");

        if (accepted)
        {
            Act();
        }
        else
        {
            Assert.Contains(".tsv or .parquet", Assert.Throws<ArgumentException>(Act).Message, StringComparison.Ordinal);
        }
    }
}
