namespace AgroNT.Cli.Tests;

/// <summary>Tests that set process environment variables (HF_ENDPOINT, HF_HUB_CACHE...): nothing may run beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment variables";
}
