using AgroNT.Tests.Common;
using PublicApiGenerator;

namespace AgroNT.MLNet.Tests.PublicApi;

/// <summary>
/// Pins the public surface of the two packages: a change to a public type or member fails here until the approved file
/// is updated on purpose (run the tests with <c>AGRONT_ACCEPT_API=1</c> and commit the changed <c>*.approved.txt</c>).
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies => new() { "AgroNT.Transforms", "AgroNT.MLNet" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void PublicApi_MatchesTheApprovedSurface(string assemblyName)
    {
        var assembly = assemblyName == "AgroNT.MLNet" ? typeof(AgroNTModel).Assembly : typeof(Transforms.Tokenization.KmerTokenizer).Assembly;
        string actual = assembly.GeneratePublicApi(new ApiGeneratorOptions { AllowNamespacePrefixes = ["Microsoft.ML"], ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"] })
            .ReplaceLineEndings("\n");
        string approved = Path.Combine(SharedData.RepositoryRoot, "tests", "AgroNT.MLNet.Tests", "PublicApi", assemblyName + ".approved.txt");

        if (Environment.GetEnvironmentVariable("AGRONT_ACCEPT_API") == "1")
        {
            File.WriteAllText(approved, actual);
        }

        Assert.True(File.Exists(approved), $"{approved} is missing: run the tests once with AGRONT_ACCEPT_API=1 and commit it.");
        string expected = File.ReadAllText(approved).ReplaceLineEndings("\n");
        if (expected != actual)
        {
            string received = Path.ChangeExtension(approved, ".received.txt");
            File.WriteAllText(received, actual);
            Assert.Fail($"The public API of {assemblyName} changed; compare {received} with {approved}. If the change is intended, "
                + "rerun with AGRONT_ACCEPT_API=1 and commit the approved file.");
        }
    }
}
