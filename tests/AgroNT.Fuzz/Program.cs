using AgroNT.Fuzz;
using AgroNT.Fuzz.Targets;

// A seeded random fuzzer for the parsers and the tokenizer; README.md has the commands.
FuzzOptions options;
try
{
    options = FuzzOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(FuzzOptions.Usage);
    return 2;
}

using var workspace = new Workspace();
var targets = options.Targets.Select(name => name switch
{
    TargetNames.Tokenizer => (FuzzTarget)new TokenizerTarget(),
    TargetNames.Readers => new ReaderTarget(workspace),
    TargetNames.Vcf => new VcfTarget(workspace),
    _ => new CheckpointTarget(workspace),
}).ToList();

long failures = new FuzzRunner(options, Console.Out).Run(targets);
Console.Out.WriteLine(failures == 0
    ? "no unexpected exceptions or broken invariants"
    : $"{failures} failing inputs; the first of each kind is saved under {Path.GetFullPath(options.FailureFolder)}");
return failures == 0 ? 0 : 1;
