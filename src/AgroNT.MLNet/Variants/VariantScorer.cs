using AgroNT.Transforms.Tokenization;
using AgroNT.MLNet.Featurization;
using AgroNT.MLNet.Modeling;
using AgroNT.Transforms.Embeddings;
using Microsoft.Data.Analysis;
using TorchSharp;
using static TorchSharp.torch;

namespace AgroNT.MLNet.Variants;

/// <summary>Settings of a <see cref="VariantScorer"/>.</summary>
public sealed record VariantScoringOptions
{
    /// <summary>
    /// Window in bp around the variant's token; null = the model's full window ((max tokens - 1) x 6 bp). At a contig's
    /// ends the window is shifted inward, and a shorter contig is used whole (see <see cref="VariantScorer"/>).
    /// </summary>
    /// <value>From 6 to the model's full window, and at most the model's tokens: <c>W / 6 + W mod 6</c> (the
    /// 6-mers and the single bases after them) may not exceed max tokens - 1.</value>
    public int? WindowBases { get; init; }

    /// <summary>Hidden-state layers for <c>emb_cosine_L</c>/<c>emb_dot_L</c>; null = the paper's 11/21/31/40 scaled to the model's depth; empty = none.</summary>
    public IReadOnlyList<int>? Layers { get; init; }

    /// <summary>Masked windows per forward pass.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// Which strand is scored: <see cref="Strand.Forward"/> (the default: the reference as given),
    /// <see cref="Strand.Reverse"/> (the complemented allele on the reverse-complemented contig, read 5' to 3', its windows
    /// placed on that contig's own 6-mer grid by the same rule) or <see cref="Strand.Both"/> (the mean of the two).
    /// See <see cref="VariantScorer"/>.
    /// </summary>
    public Strand Strand { get; init; } = Strand.Forward;
}

/// <summary>The scores of one allele; scores are null unless <see cref="Status"/> is <see cref="VariantStatus.Ok"/>.</summary>
/// <param name="Allele">The input allele.</param>
/// <param name="Status">Scored, or why not.</param>
/// <param name="Llr">log p(alt token) - log p(ref token) at the masked token holding the variant (a 6-mer, or a single base where the grid leaves one).</param>
/// <param name="EmbeddingCosine">Per requested layer: cosine distance (1 - cosine similarity) of mean-pooled ref and alt windows.</param>
/// <param name="EmbeddingDot">Per requested layer: dot product of the mean-pooled ref and alt windows.</param>
public sealed record VariantScore(VariantAllele Allele, VariantStatus Status, double? Llr, IReadOnlyList<double>? EmbeddingCosine, IReadOnlyList<double>? EmbeddingDot);

/// <summary>
/// Zero-shot variant effect scores as the AgroNT paper computes them. The window of <see cref="WindowBases"/> bp is laid on
/// the genome's 6-mer grid so that the variant's token sits near its middle; that token is replaced by <c>&lt;mask&gt;</c>
/// and one forward pass gives the log-probabilities of every alternative at every base of the token, so all alleles in one
/// token share one masked pass, and masked windows are batched.
/// </summary>
/// <remarks>
/// <para>Where the window lies, for W = <see cref="WindowBases"/>, a contig of L bp and a variant whose 6-mer starts at
/// 0-based t (a multiple of 6): away from the contig's ends it is <c>[t - b, t - b + W)</c> with
/// <c>b = floor((W - 6) / 2 / 6) x 6</c>. It never leaves the contig: when <c>t - b &lt; 0</c> it is <c>[0, W)</c>; when
/// <c>t - b + W &gt; L</c> it is <c>[s, L)</c> with s the first multiple of 6 at or after <c>L - W</c> (up to 5 bp shorter
/// than W); when <c>L &lt;= W</c> it is the whole contig <c>[0, L)</c>, its tokens starting at the contig's first base.
/// The window always starts on the grid, so the variant's token is the same 6-mer wherever the window lies (an N
/// restarts the grid after it, and the token holding the variant is then found by its offsets). A window
/// ending at the contig's end ends with <c>L - s mod 6</c> single-base tokens; a variant there has its single base masked
/// and scored. A window whose tokens exceed the model's (each N is a token and restarts the grid, so a run of Ns can
/// overflow it; so can the single bases at a contig's end, for a window within 30 bp of the model's) is shrunk 6 bp at a
/// time from the side farther from the variant's 6-mer (the end on a tie) until it fits.</para>
/// <para>Every single-base variant of a contig of at least 6 bp is scored; a contig under 6 bp is
/// <see cref="VariantStatus.TooCloseToEdge"/>, and a position past the contig's end is <see cref="VariantStatus.OutsideContig"/>.
/// <see cref="SaturationMutagenesis"/> uses the same windows.</para>
/// <para>Strands (<see cref="VariantScoringOptions.Strand"/>). The reverse strand of a contig of L bp is its reverse
/// complement, read 5' to 3'; the allele at 1-based position p with bases REF/ALT is there at <c>L - p + 1</c> with the
/// complemented bases. <see cref="Strand.Reverse"/> scores exactly that allele on that contig, as
/// <see cref="Strand.Forward"/> scores an allele on a reference whose contig is the reverse complement (windows on the
/// reverse contig's own grid, so the masked 6-mer is generally not the complement of the forward one).
/// <see cref="Strand.Both"/> gives <c>llr = (llr_forward + llr_reverse) / 2</c>, and likewise the mean of the two
/// strands' <c>emb_cosine_L</c> and of their <c>emb_dot_L</c>; an allele scored on one strand but not the other (an N
/// in one strand's 6-mer only) takes the status of the strand that could not score it, forward first, and no scores.
/// Scores are reported against the input allele (forward coordinates) whatever the strand.</para>
/// </remarks>
public sealed class VariantScorer
{
    private const int K = VariantWindow.K;
    private const int AllelesPerChunk = 2048;
    private readonly AgroNTModel _model;
    private readonly AgroNTEmbedder[] _embedders;
    private readonly int _maxTokens;
    private long _maskedPasses;
    private long _forwardCalls;

    /// <summary>Creates a scorer over a loaded model.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window or a layer is out of the model's range.</exception>
    public VariantScorer(AgroNTModel model, VariantScoringOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Tokenizer is not KmerTokenizer)
        {
            throw new NotSupportedException($"Variant scoring reads DNA variants against a genome and needs a k-mer (AgroNT-style) model; {model.Folder ?? "this model"} has a protein vocabulary.");
        }
        _model = model;
        Options = options ?? new VariantScoringOptions();
        _maxTokens = model.Tokenizer.MaxTokens - (model.Tokenizer.Options.AddClsToken ? 1 : 0);
        int maxBases = _maxTokens * K;
        WindowBases = Options.WindowBases ?? maxBases;
        if (WindowBases < K || WindowBases > maxBases || VariantWindow.TokenCount(WindowBases) > _maxTokens)
        {
            throw new ArgumentOutOfRangeException(nameof(options), WindowBases,
                $"VariantScoringOptions.WindowBases must be between {K} and {maxBases} bp (the model's window of {_maxTokens} tokens), "
                + $"and its 6-mers plus the single bases after them (W / 6 + W mod 6) may not exceed {_maxTokens} tokens.");
        }
        if (!Enum.IsDefined(Options.Strand))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Strand, "VariantScoringOptions.Strand must be Forward, Reverse or Both.");
        }
        if (Options.BatchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.BatchSize, "BatchSize must be positive.");
        }
        Layers = Options.Layers ?? DefaultLayers(model.Config.NumHiddenLayers);
        _embedders = Layers.Select(l => new AgroNTEmbedder(model, new AgroNTEmbeddingOptions { Layer = l })).ToArray();
    }

    /// <summary>The options in force.</summary>
    public VariantScoringOptions Options { get; }

    /// <summary>The window in bp.</summary>
    public int WindowBases { get; }

    /// <summary>The embedding layers scored.</summary>
    public IReadOnlyList<int> Layers { get; }

    /// <summary>Masked windows run so far (one per distinct token scored).</summary>
    public long MaskedPasses => Interlocked.Read(ref _maskedPasses);

    /// <summary>Batched forward calls made for the masked windows so far.</summary>
    public long ForwardCalls => Interlocked.Read(ref _forwardCalls);

    /// <summary>The paper's layers 11, 21, 31 and 40 of 40, scaled to a model of <paramref name="depth"/> layers (at least 1, distinct).</summary>
    public static IReadOnlyList<int> DefaultLayers(int depth) =>
        new[] { 11, 21, 31, 40 }.Select(l => Math.Clamp((int)Math.Round(l * depth / 40.0, MidpointRounding.AwayFromZero), 1, depth)).Distinct().ToArray();

    /// <summary>Scores every allele, in input order; alleles that cannot be scored get a status instead of scores.</summary>
    /// <param name="reference">The reference genome.</param>
    /// <param name="alleles">The alleles (e.g. from <see cref="VcfReader"/>).</param>
    /// <param name="progress">Receives the number of masked windows done so far.</param>
    /// <param name="cancellationToken">Cancels between batches.</param>
    public IReadOnlyList<VariantScore> Score(FastaReference reference, IEnumerable<VariantAllele> alleles, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(alleles);
        // Alleles are scored a chunk at a time, so windows (and alternative windows for embeddings) of a whole VCF are
        // never held at once; a sorted VCF keeps the alleles of one token in one chunk, so they still share a pass.
        var scores = new List<VariantScore>();
        foreach (var chunk in alleles.Chunk(AllelesPerChunk))
        {
            scores.AddRange(Options.Strand switch
            {
                Strand.Forward => ScoreChunk(reference, reference.Fetch, chunk, progress, cancellationToken),
                Strand.Reverse => ScoreReverse(reference, chunk, progress, cancellationToken),
                _ => MeanOfStrands(ScoreChunk(reference, reference.Fetch, chunk, progress, cancellationToken), ScoreReverse(reference, chunk, progress, cancellationToken)),
            });
        }
        return scores;
    }

    /// <summary>Scores each allele's complement on the reverse complement of its contig; results name the input alleles.</summary>
    private VariantScore[] ScoreReverse(FastaReference reference, VariantAllele[] list, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var mirrored = new VariantAllele[list.Length];
        for (int i = 0; i < list.Length; i++)
        {
            var a = list[i];
            // Only alleles that the forward classification would let through are moved; the others keep their status.
            mirrored[i] = Classify(a, reference) == VariantStatus.Ok
                ? a with { Pos = reference.GetLength(a.Chrom)!.Value - a.Pos + 1, Ref = Complement(a.Ref), Alt = Complement(a.Alt) }
                : a;
        }
        var tokenizerOptions = _model.Tokenizer.Options;
        string FetchReverse(string chrom, long start, long end)
        {
            long length = reference.GetLength(chrom)!.Value;
            return StrandText.ReverseComplement(reference.Fetch(chrom, length - end, length - start), tokenizerOptions, chrom);
        }
        var scores = ScoreChunk(reference, FetchReverse, mirrored, progress, cancellationToken);
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = scores[i] with { Allele = list[i] };
        }
        return scores;
    }

    private static string Complement(string bases) => string.Concat(bases.Select(c => c switch
    {
        'A' => 'T',
        'C' => 'G',
        'G' => 'C',
        'T' => 'A',
        _ => c,
    }));

    private static VariantScore[] MeanOfStrands(VariantScore[] forward, VariantScore[] reverse)
    {
        var scores = new VariantScore[forward.Length];
        for (int i = 0; i < forward.Length; i++)
        {
            VariantScore f = forward[i], r = reverse[i];
            scores[i] = f.Status != VariantStatus.Ok ? f
                : r.Status != VariantStatus.Ok ? r with { Allele = f.Allele }
                : f with
                {
                    Llr = (f.Llr!.Value + r.Llr!.Value) / 2,
                    EmbeddingCosine = Mean(f.EmbeddingCosine, r.EmbeddingCosine),
                    EmbeddingDot = Mean(f.EmbeddingDot, r.EmbeddingDot),
                };
        }
        return scores;
    }

    private static double[]? Mean(IReadOnlyList<double>? a, IReadOnlyList<double>? b) =>
        a is null || b is null ? null : [.. a.Select((x, i) => (x + b[i]) / 2)];

    private VariantScore[] ScoreChunk(FastaReference reference, Func<string, long, long, string> fetch, VariantAllele[] list, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var statuses = new VariantStatus[list.Length];
        var plans = new TokenWindow?[list.Length];
        var placements = new Dictionary<(string Chrom, long TokenStart), WindowText>();
        var windows = new Dictionary<(string Chrom, long Start, long End), WindowText>();
        var tokenWindows = new Dictionary<(WindowText Window, int Token), TokenWindow>();
        for (int i = 0; i < list.Length; i++)
        {
            var a = list[i];
            statuses[i] = Classify(a, reference);
            if (statuses[i] != VariantStatus.Ok)
            {
                continue;
            }
            long pos0 = a.Pos - 1;
            // The placement depends on the variant's 6-mer only, so the alleles of one 6-mer share it.
            if (!placements.TryGetValue((a.Chrom, pos0 - pos0 % K), out var text))
            {
                text = PlaceWindow(reference, fetch, a.Chrom, pos0, windows);
                placements[(a.Chrom, pos0 - pos0 % K)] = text;
            }
            int at = (int)(pos0 - text.Start);
            int token = text.TokenAt(at);
            if (text.Sequence[at] != a.Ref[0])
            {
                statuses[i] = VariantStatus.RefMismatch;
            }
            else if (token < 0)
            {
                statuses[i] = VariantStatus.NonAcgt;
            }
            else
            {
                if (!tokenWindows.TryGetValue((text, token), out var window))
                {
                    window = new TokenWindow(text.Sequence, text.Start, text.Ids, token, text.Offsets[token], text.Token(token), text.Ids[token]);
                    tokenWindows[(text, token)] = window;
                }
                plans[i] = window;
            }
        }
        var jobs = plans.Where(p => p is not null).Select(p => p!).Distinct().ToList();
        RunMasked(jobs, progress, cancellationToken);
        var (cosines, dots) = Embed(list, plans, cancellationToken);
        var scores = new VariantScore[list.Length];
        for (int i = 0; i < list.Length; i++)
        {
            var window = plans[i];
            if (window is null)
            {
                scores[i] = new VariantScore(list[i], statuses[i], null, null, null);
                continue;
            }
            int offset = (int)(list[i].Pos - 1 - window.Start) - window.TokenOffset;
            char[] alt = window.Token.ToCharArray();
            alt[offset] = list[i].Alt[0];
            int altId = _model.Tokenizer.Vocabulary.GetId(new string(alt));
            double llr = window.LogProbabilities![altId] - window.LogProbabilities[window.TokenId];
            scores[i] = new VariantScore(list[i], VariantStatus.Ok, llr, cosines?[i], dots?[i]);
        }
        return scores;
    }

    /// <summary>Scores the alleles and returns them as a table: chrom, pos, id, ref, alt, status, llr, then emb_cosine_L and emb_dot_L per layer.</summary>
    public DataFrame ScoreToDataFrame(FastaReference reference, IEnumerable<VariantAllele> alleles, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        ToDataFrame(Score(reference, alleles, progress, cancellationToken), Layers);

    /// <summary>Lays scores out as a table: chrom, pos, id, ref, alt, status, llr, then emb_cosine_L and emb_dot_L per layer (null when not scored).</summary>
    public static DataFrame ToDataFrame(IReadOnlyList<VariantScore> scores, IReadOnlyList<int> layers)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(layers);
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("chrom", scores.Select(s => s.Allele.Chrom)),
            new PrimitiveDataFrameColumn<long>("pos", scores.Select(s => s.Allele.Pos)),
            new StringDataFrameColumn("id", scores.Select(s => s.Allele.Id)),
            new StringDataFrameColumn("ref", scores.Select(s => s.Allele.Ref)),
            new StringDataFrameColumn("alt", scores.Select(s => s.Allele.Alt)),
            new StringDataFrameColumn("status", scores.Select(s => s.Status.ToName())),
            new PrimitiveDataFrameColumn<double>("llr", scores.Select(s => s.Llr)),
        };
        for (int l = 0; l < layers.Count; l++)
        {
            int layer = l;
            columns.Add(new PrimitiveDataFrameColumn<double>($"emb_cosine_{layers[l]}", scores.Select(s => s.EmbeddingCosine?[layer])));
            columns.Add(new PrimitiveDataFrameColumn<double>($"emb_dot_{layers[l]}", scores.Select(s => s.EmbeddingDot?[layer])));
        }
        return new DataFrame(columns);
    }

    /// <summary>
    /// The variant's window, placed on the contig and shrunk until its tokens fit the model (see the class remarks);
    /// windows that come out the same are tokenized once.
    /// </summary>
    // fetch reads the contig on the strand being scored (the reverse strand's contig has the same length).
    private WindowText PlaceWindow(FastaReference reference, Func<string, long, long, string> fetch, string chrom, long position, Dictionary<(string Chrom, long Start, long End), WindowText> windows)
    {
        var (start, end) = VariantWindow.Place(reference.GetLength(chrom)!.Value, position, WindowBases);
        string bases = fetch(chrom, start, end);
        var fitted = VariantWindow.FitToTokens((start, end), position, _maxTokens,
            (s, e) => _model.Tokenizer.CountSequenceTokens(bases.AsSpan((int)(s - start), (int)(e - s))));
        if (!windows.TryGetValue((chrom, fitted.Start, fitted.End), out var text))
        {
            text = new WindowText(bases.Substring((int)(fitted.Start - start), (int)(fitted.End - fitted.Start)), fitted.Start, _model);
            windows[(chrom, fitted.Start, fitted.End)] = text;
        }
        return text;
    }

    private static VariantStatus Classify(VariantAllele a, FastaReference reference)
    {
        if (a.Malformed)
        {
            return VariantStatus.Malformed;
        }
        if (a.Alt.Length == 0 || a.Ref.Length == 0 || a.Alt.Length != a.Ref.Length || a.Alt[0] is '<' or '*' or '[' or ']' || a.Alt.Contains('[') || a.Alt.Contains(']'))
        {
            return VariantStatus.Indel;
        }
        if (!a.Ref.All(IsAcgt) || !a.Alt.All(IsAcgt))
        {
            return VariantStatus.NonAcgt;
        }
        if (a.Ref.Length > 1)
        {
            return VariantStatus.Mnv;
        }
        return reference.GetLength(a.Chrom) switch
        {
            null => VariantStatus.MissingContig,
            long length when a.Pos > length => VariantStatus.OutsideContig,
            < K => VariantStatus.TooCloseToEdge,
            _ => VariantStatus.Ok,
        };
    }

    private static bool IsAcgt(char c) => c is 'A' or 'C' or 'G' or 'T';

    private void RunMasked(List<TokenWindow> jobs, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        int pad = _model.Config.PadTokenId;
        int maskId = _model.Tokenizer.Vocabulary.MaskId;
        for (int first = 0; first < jobs.Count; first += Options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = jobs.GetRange(first, Math.Min(Options.BatchSize, jobs.Count - first));
            var padded = TokenBatch.Pad([.. batch.Select(j => j.Ids)], pad);
            for (int r = 0; r < batch.Count; r++)
            {
                padded.InputIds[r * padded.SequenceLength + batch[r].TokenIndex] = maskId;
            }
            using (NewDisposeScope())
            using (no_grad())
            {
                var (input, attention) = padded.ToTensors(_model.Device);
                var logits = _model.Network.Forward(input, attention).Logits;
                for (int r = 0; r < batch.Count; r++)
                {
                    batch[r].LogProbabilities = logits[r, batch[r].TokenIndex].to(ScalarType.Float32).log_softmax(0).cpu().data<float>().ToArray();
                }
            }
            Interlocked.Increment(ref _forwardCalls);
            Interlocked.Add(ref _maskedPasses, batch.Count);
            progress?.Report((int)Math.Min(int.MaxValue, MaskedPasses));
        }
    }

    private (double[]?[]? Cosines, double[]?[]? Dots) Embed(VariantAllele[] alleles, TokenWindow?[] plans, CancellationToken cancellationToken)
    {
        if (_embedders.Length == 0)
        {
            return (null, null);
        }
        var texts = new List<string>();
        // Keyed by the window's text instance: every token of one window shares it, so its reference is embedded once.
        var refIndex = new Dictionary<string, int>(ReferenceEqualityComparer.Instance);
        var altIndex = new int[alleles.Length];
        for (int i = 0; i < alleles.Length; i++)
        {
            if (plans[i] is not { } window)
            {
                continue;
            }
            if (!refIndex.ContainsKey(window.Sequence))
            {
                refIndex[window.Sequence] = texts.Count;
                texts.Add(window.Sequence);
            }
            char[] alt = window.Sequence.ToCharArray();
            alt[alleles[i].Pos - 1 - window.Start] = alleles[i].Alt[0];
            altIndex[i] = texts.Count;
            texts.Add(new string(alt));
        }
        var cosines = new double[]?[alleles.Length];
        var dots = new double[]?[alleles.Length];
        for (int l = 0; l < _embedders.Length; l++)
        {
            var vectors = _embedders[l].Embed(texts, null, cancellationToken);
            for (int i = 0; i < alleles.Length; i++)
            {
                if (plans[i] is not { } window)
                {
                    continue;
                }
                float[] r = vectors[refIndex[window.Sequence]], a = vectors[altIndex[i]];
                double dot = 0, rr = 0, aa = 0;
                for (int d = 0; d < r.Length; d++)
                {
                    dot += (double)r[d] * a[d];
                    rr += (double)r[d] * r[d];
                    aa += (double)a[d] * a[d];
                }
                (cosines[i] ??= new double[_embedders.Length])[l] = rr == 0 || aa == 0 ? 0 : 1 - dot / Math.Sqrt(rr * aa);
                (dots[i] ??= new double[_embedders.Length])[l] = dot;
            }
        }
        return (cosines, dots);
    }

    /// <summary>A reference window's bases and tokens, tokenized once for every variant in it.</summary>
    private sealed class WindowText
    {
        public WindowText(string sequence, long start, AgroNTModel model)
        {
            Sequence = sequence;
            Start = start;
            var tokens = model.Tokenizer.EncodeToTokens(sequence, null);
            Ids = new int[tokens.Count];
            Offsets = new int[tokens.Count];
            Lengths = new int[tokens.Count];
            for (int t = 0; t < tokens.Count; t++)
            {
                Ids[t] = tokens[t].Id;
                (Offsets[t], Lengths[t]) = tokens[t].Offset.GetOffsetAndLength(sequence.Length);
            }
        }

        public string Sequence { get; }

        /// <summary>The 0-based contig position of the window's first base.</summary>
        public long Start { get; }

        public int[] Ids { get; }

        public int[] Offsets { get; }

        public int[] Lengths { get; }

        /// <summary>The bases of token <paramref name="t"/>.</summary>
        public string Token(int t) => Sequence.Substring(Offsets[t], Lengths[t]);

        /// <summary>
        /// The index of the token holding base <paramref name="at"/> when it is an A/C/G/T 6-mer or single base (the
        /// grid leaves single bases at the end of a run of A/C/G/T: the contig's end, or before an N); otherwise -1.
        /// </summary>
        public int TokenAt(int at)
        {
            for (int t = 0; t < Ids.Length; t++)
            {
                if (at >= Offsets[t] && at < Offsets[t] + Lengths[t])
                {
                    return Lengths[t] is K or 1 && Token(t).All(IsAcgt) ? t : -1;
                }
            }
            return -1;
        }
    }

    /// <summary>A reference window with the token holding a variant: the unit shared by all alleles in that token.</summary>
    private sealed class TokenWindow(string sequence, long start, int[] ids, int tokenIndex, int tokenOffset, string token, int tokenId)
    {
        public string Sequence { get; } = sequence;

        public long Start { get; } = start;

        public int[] Ids { get; } = ids;

        public int TokenIndex { get; } = tokenIndex;

        public int TokenOffset { get; } = tokenOffset;

        public string Token { get; } = token;

        public int TokenId { get; } = tokenId;

        public float[]? LogProbabilities { get; set; }
    }
}
