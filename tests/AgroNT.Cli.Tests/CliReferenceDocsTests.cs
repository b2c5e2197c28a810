using System.Text;
using AgroNT.Tests.Common;

namespace AgroNT.Cli.Tests;

/// <summary>
/// docs/cli/VERB.md is each verb's <c>--help</c>, so the reference pages cannot drift from the options the tool takes.
/// After changing a verb's options, run the tests with <c>AGRONT_ACCEPT_DOCS=1</c> and commit the regenerated pages.
/// </summary>
public sealed class CliReferenceDocsTests
{
    public static TheoryData<string> Verbs => [.. CliApp.VerbNames];

    [Theory]
    [MemberData(nameof(Verbs))]
    public void VerbPage_IsTheVerbsHelp(string verb)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, CliApp.Run([verb, "--help"], stdout, new StringWriter()));
        string help = stdout.ToString().ReplaceLineEndings("\n").TrimEnd();
        Assert.Contains("--", help, StringComparison.Ordinal);
        string page = new StringBuilder()
            .Append("# agront ").Append(verb).Append("\n\n")
            .Append("Generated from `agront ").Append(verb).Append(" --help` (tests/AgroNT.Cli.Tests/CliReferenceDocsTests.cs). ")
            .Append("Exit codes: 0 ok, 1 bad input, 2 usage, 130 Ctrl+C, 143 SIGTERM.\n\n```text\n")
            .Append(help).Append("\n```\n").ToString();
        string path = Path.Combine(SharedData.RepositoryRoot, "docs", "cli", verb + ".md");

        if (Environment.GetEnvironmentVariable("AGRONT_ACCEPT_DOCS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, page);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the tests with AGRONT_ACCEPT_DOCS=1 and commit it.");
        Assert.True(File.ReadAllText(path).ReplaceLineEndings("\n") == page,
            $"{path} differs from 'agront {verb} --help'; run the tests with AGRONT_ACCEPT_DOCS=1 and commit the page.");
    }
}
