namespace AgroNT.Cli;

/// <summary>
/// <c>agront completion bash|zsh</c>: a shell completion script. The script asks agront itself for the words that fit
/// the cursor (System.CommandLine's <c>[suggest:POSITION]</c> directive), so it completes verbs, options and the values
/// some positional arguments take, and never falls out of step with the options the tool has.
/// </summary>
internal sealed class CompletionVerb : IVerb
{
    public string Name => "completion";

    public string Summary => "print a shell completion script (bash or zsh) for agront's verbs and options";

    public string Usage => "agront completion bash >> ~/.bashrc   |   agront completion zsh >> ~/.zshrc";

    public IReadOnlyList<OptionSpec> Options { get; } = [];

    public int Run(ParsedArguments args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string shell = args.Positional.Count == 1 ? args.Positional[0] : throw new UsageException("name one shell: bash or zsh (agront completion --help).");
        stdout.Write(shell switch
        {
            "bash" => Bash,
            "zsh" => Zsh,
            _ => throw new UsageException($"unknown shell '{shell}'; use bash or zsh."),
        });
        return 0;
    }

    /// <summary>bash: the whole line up to the cursor goes to agront, which prints the candidates one a line.</summary>
    private const string Bash = """
        # agront completion for bash: source this file, or add `eval "$(agront completion bash)"` to ~/.bashrc.
        _agront_complete()
        {
            local IFS=$'\n'
            local candidates
            candidates=$(agront "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)
            COMPREPLY=( $(compgen -W "${candidates}" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _agront_complete agront

        """;

    /// <summary>zsh: the same request with zsh's buffer and cursor.</summary>
    private const string Zsh = """
        #compdef agront
        # agront completion for zsh: add `eval "$(agront completion zsh)"` to ~/.zshrc (after compinit).
        _agront()
        {
            local -a candidates
            candidates=("${(@f)$(agront "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
            compadd -a candidates
        }
        compdef _agront agront

        """;
}
