using System.Globalization;
using System.Text;
using AgroNT.Tests.Common;
using AgroNT.Transforms.Tokenization;
using Microsoft.ML.Tokenizers;

namespace AgroNT.Fuzz.Targets;

/// <summary>
/// <see cref="KmerTokenizer"/> in both modes, every length policy, random caps, strides and whitespace/digit handling,
/// on real DNA sized to land on and around the cap and then mutated (whitespace, digits, IUPAC codes, lowercase, U,
/// literal special tokens, gaps and other characters, deletions, truncation, bit flips, splices).
/// </summary>
/// <remarks>
/// Invariants: every API agrees with the raw token stream (<see cref="KmerTokenizer.TokenizeToIds(ReadOnlySpan{char}, Span{int}, string?)"/>
/// into a buffer of exactly <see cref="KmerTokenizer.CountSequenceTokens"/> ids); a model input is <c>&lt;cls&gt;</c> plus
/// that stream when it fits, its prefix under truncation (or an explicit <c>maxTokenCount</c>), and a
/// <see cref="DnaTokenizationException"/> of kind TooManyTokens otherwise; offsets point at the characters each token
/// was read from; decoding round-trips (hf: re-encoding the decoded text; normalize: the folded input); windows tile the
/// stream; the two modes agree on clean A/C/G/T/N text. Only <see cref="DnaTokenizationException"/> may escape,
/// and <see cref="ArgumentException"/> only from the too-short buffer the harness passes on purpose.
/// </remarks>
internal sealed class TokenizerTarget : FuzzTarget
{
    private static readonly string[] Whitespace = [" ", "\t", "\n", "\r\n", "\r", "\v", "\f", "\u00A0", "\u2028", "\u3000", "\u001C", "\u0085"];
    private static readonly string[] Literals = ["<mask>", "<cls>", "<pad>", "<unk>", "<mas", "<", ">", "<mask", "<<mask>>", "<MASK>"];
    private static readonly string[] Others = ["-", ".", "*", "X", "x", "?", "é", "\0", "😀", "\uD800", "\uDC00", "~", "Ω", "ａ"];
    private const string Iupac = "RYSWKMBDHVNryswkmbdhvn";

    private readonly KmerVocabulary _vocabulary = KmerVocabulary.FromModelFolder(SharedData.TinyModel);
    private readonly Dictionary<KmerTokenizerOptions, KmerTokenizer> _tokenizers = [];

    public override string Name => TargetNames.Tokenizer;

    public override FuzzCase Generate(Random random)
    {
        bool cls = random.Next(8) != 0;
        int? maxTokens = random.Next(10) switch
        {
            < 4 => null,
            < 8 => random.Next(cls ? 2 : 1, 65),
            _ => random.Next(cls ? 2 : 1, _vocabulary.MaxTokens + 1),
        };
        int cap = maxTokens ?? _vocabulary.MaxTokens;
        int capacity = cap - (cls ? 1 : 0);
        var options = new KmerTokenizerOptions
        {
            Mode = random.Next(2) == 0 ? TokenizerMode.Hf : TokenizerMode.Normalize,
            Whitespace = random.Next(4) == 0 ? CharacterHandling.Reject : CharacterHandling.Drop,
            Digits = random.Next(2) == 0 ? CharacterHandling.Reject : CharacterHandling.Drop,
            LengthPolicy = (LengthPolicy)random.Next(3),
            MaxTokens = maxTokens,
            WindowStride = random.Next(2) == 0 ? null : random.Next(1, capacity + 1),
            AddClsToken = cls,
        };

        int tokens = random.Next(20) switch
        {
            < 5 => random.Next(13),
            < 14 => Math.Max(0, capacity + random.Next(-2, 3)),
            < 17 => Math.Max(0, (2 * capacity) + random.Next(-3, 4)),
            _ => random.Next((3 * capacity) + 1),
        };
        var log = new List<string>();
        var text = new StringBuilder(Corpus.Shared.Slice(random, 6 * tokens));
        int mutations = random.Next(4) == 0 ? 0 : random.Next(1, 5);
        for (int m = 0; m < mutations; m++)
        {
            Mutate(random, text, capacity, log);
        }
        return new TokenizerCase(text.ToString(), options, log);
    }

    public override string Run(FuzzCase input)
    {
        var c = (TokenizerCase)input;
        KmerTokenizer tokenizer = Tokenizer(c.Options);
        return new Checker(tokenizer, c.Text, this).Run();
    }

    private KmerTokenizer Tokenizer(KmerTokenizerOptions options)
    {
        if (!_tokenizers.TryGetValue(options, out KmerTokenizer? tokenizer))
        {
            if (_tokenizers.Count > 4096)
            {
                _tokenizers.Clear();
            }
            tokenizer = KmerTokenizer.Create(_vocabulary, options);
            _tokenizers.Add(options, tokenizer);
        }
        return tokenizer;
    }

    private static void Mutate(Random random, StringBuilder text, int capacity, List<string> log)
    {
        // Half the insertions land inside the last 6-mer that still fits the cap, where the k-mer grid meets the limit.
        int Position()
        {
            if (random.Next(2) == 0 && capacity > 0)
            {
                int lastKmer = 6 * (capacity - 1);
                return Math.Min(text.Length, lastKmer + random.Next(7));
            }
            return random.Next(text.Length + 1);
        }
        void Insert(string what, string description)
        {
            int at = Position();
            text.Insert(at, what);
            log.Add(string.Create(CultureInfo.InvariantCulture, $"insert {description} at {at}"));
        }

        switch (random.Next(14))
        {
            case 0:
            case 1:
                Insert(Whitespace[random.Next(Whitespace.Length)], "whitespace");
                break;
            case 2:
                Insert(new string((char)('0' + random.Next(10)), random.Next(1, 4)), "digits");
                break;
            case 3:
                Insert(Iupac[random.Next(Iupac.Length)].ToString(), "IUPAC code");
                break;
            case 4:
                Insert(Literals[random.Next(Literals.Length)], "literal");
                break;
            case 5:
                Insert(Others[random.Next(Others.Length)], "other character");
                break;
            case 6:
                Insert(new string('N', random.Next(1, 8)), "N run");
                break;
            case 7 when text.Length > 0:
                {
                    (int at, int n) = Span(random, text.Length);
                    for (int i = at; i < at + n; i++)
                    {
                        text[i] = char.ToLowerInvariant(text[i]);
                    }
                    log.Add(string.Create(CultureInfo.InvariantCulture, $"lowercase {n} at {at}"));
                    break;
                }
            case 8 when text.Length > 0:
                {
                    (int at, int n) = Span(random, text.Length);
                    char u = random.Next(2) == 0 ? 'U' : 'u';
                    for (int i = at; i < at + n; i++)
                    {
                        text[i] = text[i] == 'T' ? u : text[i];
                    }
                    log.Add(string.Create(CultureInfo.InvariantCulture, $"T to {u} in {n} at {at}"));
                    break;
                }
            case 9 when text.Length > 0:
                {
                    (int at, int n) = Span(random, text.Length);
                    text.Remove(at, n);
                    log.Add(string.Create(CultureInfo.InvariantCulture, $"delete {n} at {at}"));
                    break;
                }
            case 10 when text.Length > 0:
                {
                    int n = Math.Min(text.Length, random.Next(1, 8));
                    text.Length -= n;
                    log.Add(string.Create(CultureInfo.InvariantCulture, $"truncate {n}"));
                    break;
                }
            case 11 when text.Length > 0:
                {
                    int at = random.Next(text.Length);
                    int bit = random.Next(8);
                    text[at] = (char)(text[at] ^ (1 << bit));
                    log.Add(string.Create(CultureInfo.InvariantCulture, $"flip bit {bit} at {at}"));
                    break;
                }
            case 12:
                Insert(Corpus.Shared.Slice(random, random.Next(1, 40)), "real DNA");
                break;
            default:
                if (text.Length > 0)
                {
                    (int at, int n) = Span(random, text.Length);
                    string copy = text.ToString(at, n);
                    int to = random.Next(text.Length + 1);
                    text.Insert(to, copy);
                    log.Add(string.Create(CultureInfo.InvariantCulture, $"copy {n} from {at} to {to}"));
                }
                break;
        }
    }

    private static (int At, int Length) Span(Random random, int length)
    {
        int at = random.Next(length);
        return (at, Math.Min(length - at, random.Next(1, 30)));
    }

    private sealed class TokenizerCase(string text, KmerTokenizerOptions options, List<string> log) : FuzzCase
    {
        public string Text { get; } = text;

        public KmerTokenizerOptions Options { get; } = options;

        public override IEnumerable<(string FileName, byte[] Content)> Artifacts() =>
        [
            ("input.txt", Encoding.UTF8.GetBytes(Text)),
            ("options.txt", Encoding.UTF8.GetBytes(Options.ToString() + Environment.NewLine)),
        ];

        public override string Describe() =>
            $"{Options}; {Text.Length} chars; mutations: {(log.Count == 0 ? "none" : string.Join(", ", log))}; text: {Escape(Text)}";

        private static string Escape(string text)
        {
            var builder = new StringBuilder();
            foreach (char c in text.Length > 200 ? text[^200..] : text)
            {
                builder.Append(c is >= ' ' and < '\u007F' ? c : $"\\u{(int)c:X4}");
            }
            return text.Length > 200 ? "..." + builder : builder.ToString();
        }
    }

    /// <summary>The checks for one text on one tokenizer.</summary>
    private sealed class Checker(KmerTokenizer tokenizer, string text, TokenizerTarget target)
    {
        private const string Name = "fuzz";
        private readonly int _cls = tokenizer.Options.AddClsToken ? 1 : 0;
        private readonly bool _hf = tokenizer.Options.Mode == TokenizerMode.Hf;
        private readonly KmerVocabulary _vocabulary = tokenizer.Vocabulary;

        public string Run()
        {
            int total;
            try
            {
                total = tokenizer.CountSequenceTokens(text, Name);
            }
            catch (DnaTokenizationException e)
            {
                return CheckRefused(e);
            }

            // The raw stream, into a buffer as long as the text (documented to suffice).
            int[] buffer = new int[text.Length];
            int written = tokenizer.TokenizeToIds(text, buffer, Name);
            Check(written == total, $"TokenizeToIds: wrote {written} ids, CountSequenceTokens says {total}");
            int[] raw = buffer[..total];
            Check(tokenizer.CountTokens(text, Name) == _cls + total, "CountTokens(span): not CountSequenceTokens plus <cls>");
            Check(tokenizer.CountTokens(text) == _cls + total, "CountTokens(string): not CountSequenceTokens plus <cls>");
            Check(raw.All(id => id >= 0 && id < _vocabulary.Count), "TokenizeToIds: an id outside the vocabulary");
            if (!_hf)
            {
                Check(!raw.Any(_vocabulary.IsSpecialId), "TokenizeToIds: normalize mode produced a special token");
            }

            int[] full = [.. Enumerable.Repeat(_vocabulary.ClsId, _cls), .. raw];
            int limit = tokenizer.MaxTokens;
            bool fits = full.Length <= limit;
            bool truncates = tokenizer.Options.LengthPolicy == LengthPolicy.Truncate;

            // Every check runs even after one fails, so one input shows every API a bug reaches; the first names it.
            var failures = new List<Exception>();
            void Guard(Action check)
            {
                try
                {
                    check();
                }
                catch (Exception e) when (e is not DnaTokenizationException)
                {
                    failures.Add(e);
                }
            }

            Guard(() => CheckModelInput("EncodeToIds(span, name)", full, limit, truncates, () => tokenizer.EncodeToIds(text.AsSpan(), Name)));
            Guard(() => CheckModelInput("EncodeToIds(span, destination)", full, limit, truncates, () =>
            {
                int[] ids = new int[limit];
                int n = tokenizer.EncodeToIds(text.AsSpan(), ids, Name);
                return ids[..n];
            }));
            Guard(() => CheckModelInput("Tokenizer.EncodeToIds(string)", full, limit, truncates, () => [.. tokenizer.EncodeToIds(text)]));
            Guard(() =>
            {
                IReadOnlyList<EncodedToken>? tokens = null;
                CheckModelInput("EncodeToTokens", full, limit, truncates, () =>
                {
                    tokens = tokenizer.EncodeToTokens(text.AsSpan(), Name);
                    return [.. tokens.Select(t => t.Id)];
                });
                if (tokens is not null)
                {
                    CheckOffsets(tokens);
                }
            });
            Guard(() => CheckCapped(full));
            Guard(() => CheckIndexByTokenCount(full.Length));
            Guard(() => CheckDecode(raw));
            Guard(() => CheckWindows(raw));
            Guard(() => CheckBatch(full));
            Guard(() => CheckModesAgree(raw));
            Guard(() => CheckExactBuffer(total));
            if (failures.Count > 0)
            {
                throw failures.Count == 1 ? failures[0] : new AggregateException(failures[0].Message, failures);
            }
            return fits ? "ok: fits" : truncates ? "ok: truncated" : "ok: refused as too long (DnaTokenizationException)";
        }

        /// <summary>A destination of exactly <see cref="KmerTokenizer.CountSequenceTokens"/> ids is enough; one fewer is refused.</summary>
        private void CheckExactBuffer(int total)
        {
            int[] exact = new int[total];
            Check(tokenizer.TokenizeToIds(text, exact, Name) == total, "TokenizeToIds: a different count into a buffer of exactly CountSequenceTokens ids");
            if (total > 0)
            {
                bool refused = false;
                try
                {
                    tokenizer.TokenizeToIds(text, new int[total - 1], Name);
                }
                catch (ArgumentException)
                {
                    refused = true;
                }
                Check(refused, "TokenizeToIds: a buffer one short was not refused with ArgumentException");
            }
        }

        /// <summary>Normalize mode refused a character: every API must refuse it the same way.</summary>
        private string CheckRefused(DnaTokenizationException e)
        {
            Check(!_hf, "hf mode threw DnaTokenizationException while counting: " + e.Message);
            Check(e.Error == DnaTokenizationError.InvalidCharacter, "CountSequenceTokens: a DnaTokenizationException that is not InvalidCharacter");
            Check(e.Position is { } p && p >= 0 && p < text.Length && text[p] == e.Character,
                $"DnaTokenizationException: position {e.Position} and character {e.Character} do not match the text");
            Check(e.SequenceName == Name, "DnaTokenizationException: the sequence name is missing");
            ExpectRefusal("TokenizeToIds", () => tokenizer.TokenizeToIds(text, new int[text.Length + 1], Name), e);
            ExpectRefusal("CountTokens", () => tokenizer.CountTokens(text), e);
            ExpectRefusal("EncodeWindows", () => tokenizer.EncodeWindows(text, Name), e);

            // A single model input may stop scanning at the cap before reaching the character.
            try
            {
                tokenizer.EncodeToIds(text.AsSpan(), Name);
            }
            catch (DnaTokenizationException)
            {
            }
            return "refused a character (DnaTokenizationException)";
        }

        private void ExpectRefusal(string api, Action call, DnaTokenizationException first)
        {
            try
            {
                call();
            }
            catch (DnaTokenizationException e)
            {
                Check(e.Error == first.Error && e.Position == first.Position, $"{api}: refused with {e.Error} at {e.Position}, counting with {first.Error} at {first.Position}");
                return;
            }
            throw new InvariantViolation($"{api}: accepted a text that CountSequenceTokens refuses ({first.Message})");
        }

        /// <summary>One model input: the full encoding when it fits, its prefix under truncation, else TooManyTokens.</summary>
        private int[]? CheckModelInput(string api, int[] full, int limit, bool truncates, Func<int[]> encode)
        {
            int[] ids;
            try
            {
                ids = encode();
            }
            catch (DnaTokenizationException e)
            {
                Check(full.Length > limit && !truncates,
                    $"{api}: threw DnaTokenizationException ({e.Error}) for an encoding of {full.Length} ids under a limit of {limit} ({tokenizer.Options.LengthPolicy}): {e.Message}");
                Check(e.Error == DnaTokenizationError.TooManyTokens && e.TokenCount == full.Length && e.MaxTokens == limit,
                    $"{api}: TooManyTokens says {e.TokenCount} tokens and a limit of {e.MaxTokens}, expected {full.Length} and {limit}");
                return null;
            }
            Check(full.Length <= limit || truncates, $"{api}: returned {ids.Length} ids for an encoding of {full.Length} over the limit of {limit} under {tokenizer.Options.LengthPolicy}");
            InvariantViolation.Equal(full[..Math.Min(full.Length, limit)], ids, api + ": ids differ from <cls> + TokenizeToIds");
            return ids;
        }

        /// <summary>Offsets index the caller's text and cover exactly the characters each token was read from.</summary>
        private void CheckOffsets(IReadOnlyList<EncodedToken> tokens)
        {
            int previousEnd = 0;
            for (int i = 0; i < tokens.Count; i++)
            {
                EncodedToken token = tokens[i];
                (int start, int length) = token.Offset.GetOffsetAndLength(text.Length);
                if (i < _cls)
                {
                    Check(start == 0 && length == 0 && token.Id == _vocabulary.ClsId, "EncodeToTokens: <cls> is not first with offset 0..0");
                    continue;
                }
                Check(length > 0 && start >= previousEnd, $"EncodeToTokens: token {i} has offset {token.Offset} after a token ending at {previousEnd}");
                previousEnd = start + length;
                string covered = text.Substring(start, length);
                if (_hf && token.Id == _vocabulary.UnkId && token.Value == "<unk>" && covered != "<unk>")
                {
                    Check(covered.All(c => c is not ('A' or 'C' or 'G' or 'T' or 'N') && !IsWhitespace(c)),
                        $"EncodeToTokens: an <unk> covers '{covered}', which holds a nucleotide or whitespace");
                }
                else
                {
                    string expected = _hf ? covered : Fold(covered);
                    Check(expected == token.Value, $"EncodeToTokens: token {i} '{token.Value}' has offset {token.Offset} covering '{covered}'");
                }
            }
        }

        /// <summary>An explicit maxTokenCount truncates under every policy, and CharsConsumed re-encodes to the same ids.</summary>
        private void CheckCapped(int[] full)
        {
            int max = 1 + new Random(text.Length).Next(tokenizer.MaxTokens);
            IReadOnlyList<int> capped = tokenizer.EncodeToIds(text, max, out string? normalized, out int consumed);
            int expected = Math.Min(full.Length, max);
            InvariantViolation.Equal(full[..expected], [.. capped], $"EncodeToIds(maxTokenCount {max}): ids differ from the prefix of the full encoding");
            Check(normalized is null, "EncodeToIds(maxTokenCount): normalizedText is not null");
            Check(consumed >= 0 && consumed <= text.Length, $"EncodeToIds(maxTokenCount): {consumed} chars consumed of {text.Length}");
            if (expected == full.Length)
            {
                Check(consumed == text.Length, $"EncodeToIds(maxTokenCount {max}): nothing was cut but only {consumed} of {text.Length} chars were consumed");
            }
            else
            {
                IReadOnlyList<int> again = tokenizer.EncodeToIds(text[..consumed], max, out _, out _);
                InvariantViolation.Equal(full[..expected], [.. again], $"EncodeToIds(maxTokenCount {max}): the consumed {consumed} chars encode differently");
            }
        }

        private void CheckIndexByTokenCount(int fullLength)
        {
            int max = 1 + new Random(text.Length + 1).Next(fullLength + 2);
            int expected = Math.Min(max, fullLength);
            int index = tokenizer.GetIndexByTokenCount(text, max, out string? normalized, out int count);
            Check(normalized is null && index >= 0 && index <= text.Length, $"GetIndexByTokenCount({max}): index {index} of {text.Length}");
            Check(count == expected, $"GetIndexByTokenCount({max}): {count} tokens, expected {expected}");
            Check(tokenizer.CountTokens(text[..index]) == count, $"GetIndexByTokenCount({max}): text[..{index}] encodes to {tokenizer.CountTokens(text[..index])} tokens, not {count}");
            int fromEnd = tokenizer.GetIndexByTokenCountFromEnd(text, max, out _, out int countFromEnd);
            Check(fromEnd >= 0 && fromEnd <= text.Length, $"GetIndexByTokenCountFromEnd({max}): index {fromEnd} of {text.Length}");
            Check(countFromEnd == expected, $"GetIndexByTokenCountFromEnd({max}): {countFromEnd} tokens, expected {expected}");
            Check(tokenizer.CountTokens(text[fromEnd..]) == countFromEnd,
                $"GetIndexByTokenCountFromEnd({max}): text[{fromEnd}..] encodes to {tokenizer.CountTokens(text[fromEnd..])} tokens, not {countFromEnd}");
        }

        /// <summary>hf: decoding then re-encoding gives the ids back; normalize: the decoded letters are the folded input.</summary>
        private void CheckDecode(int[] raw)
        {
            string decoded = tokenizer.Decode(raw, skipSpecialTokens: false);
            if (_hf)
            {
                int[] again = new int[decoded.Length + 1];
                int n = tokenizer.TokenizeToIds(decoded, again);
                InvariantViolation.Equal(raw, again[..n], "Decode then TokenizeToIds (hf): ids differ");
            }
            else
            {
                Check(decoded.Replace(" ", string.Empty, StringComparison.Ordinal) == Fold(text), "Decode (normalize): the decoded letters are not the folded input");
            }
            Span<char> buffer = new char[decoded.Length];
            Check(tokenizer.Decode(raw, buffer, out int consumed, out int written) == System.Buffers.OperationStatus.Done
                && consumed == raw.Length && new string(buffer[..written]) == decoded, "Decode(span): differs from Decode(ids)");
        }

        /// <summary>Windows start every stride tokens, end with the last token, and hold exactly the raw stream's ids.</summary>
        private void CheckWindows(int[] raw)
        {
            IReadOnlyList<TokenWindow> windows = tokenizer.EncodeWindows(text, Name);
            int capacity = tokenizer.MaxTokens - _cls;
            int stride = tokenizer.WindowStride;
            int expectedCount = raw.Length <= capacity ? 1 : ((raw.Length - capacity + stride - 1) / stride) + 1;
            Check(windows.Count == expectedCount, $"EncodeWindows: {windows.Count} windows for {raw.Length} tokens, capacity {capacity}, stride {stride}; expected {expectedCount}");
            for (int i = 0; i < windows.Count; i++)
            {
                TokenWindow w = windows[i];
                int start = i * stride;
                int end = Math.Min(start + capacity, raw.Length);
                Check(w.Index == i && w.TokenStart == start && w.TokenEnd == end,
                    $"EncodeWindows: window {i} is [{w.TokenStart}, {w.TokenEnd}) index {w.Index}, expected [{start}, {end})");
                InvariantViolation.Equal([.. Enumerable.Repeat(_vocabulary.ClsId, _cls), .. raw[start..end]], w.Ids, $"EncodeWindows: window {i} ids");
                Check(w.BaseStart >= 0 && w.BaseStart <= w.BaseEnd && w.BaseEnd <= text.Length, $"EncodeWindows: window {i} covers [{w.BaseStart}, {w.BaseEnd}) of {text.Length} chars");
                string letters = tokenizer.Decode(raw[start..end], skipSpecialTokens: false).Replace(" ", string.Empty, StringComparison.Ordinal);
                string covered = text[w.BaseStart..w.BaseEnd];
                if (!_hf)
                {
                    Check(Fold(covered) == letters, $"EncodeWindows: window {i} covers '{covered}' but holds '{letters}'");
                }
                else if (!raw[start..end].Contains(_vocabulary.UnkId))
                {
                    Check(string.Concat(covered.Where(c => !IsWhitespace(c))) == letters, $"EncodeWindows: window {i} covers '{covered}' but holds '{letters}'");
                }
            }
        }

        private void CheckBatch(int[] full)
        {
            string other = Corpus.Shared.Slice(new Random(text.Length + 2), 6 * Math.Min(tokenizer.MaxTokens, 20));
            int[] otherRaw = new int[other.Length];
            int otherCount = tokenizer.TokenizeToIds(other, otherRaw);
            int[] otherFull = [.. Enumerable.Repeat(_vocabulary.ClsId, _cls), .. otherRaw[..otherCount]];
            int? fixedLength = text.Length % 2 == 0 ? null : _cls + 1 + (text.Length % (tokenizer.MaxTokens - _cls));
            int limit = fixedLength ?? tokenizer.MaxTokens;
            bool truncates = tokenizer.Options.LengthPolicy == LengthPolicy.Truncate;
            int[][] rows = [full, otherFull];
            bool tooLong = !truncates && rows.Any(r => r.Length > limit);
            TokenBatch batch;
            try
            {
                batch = tokenizer.EncodeBatch([text, other], fixedLength, ["fuzz", "other"]);
            }
            catch (DnaTokenizationException e)
            {
                Check(tooLong && e.Error == DnaTokenizationError.TooManyTokens, $"EncodeBatch(fixedLength {fixedLength}): threw {e.Error} with rows of {full.Length} and {otherFull.Length} ids under {tokenizer.Options.LengthPolicy}: {e.Message}");
                return;
            }
            Check(!tooLong, $"EncodeBatch(fixedLength {fixedLength}): accepted rows of {full.Length} and {otherFull.Length} ids over the limit {limit}");
            int[][] expected = [.. rows.Select(r => r[..Math.Min(r.Length, limit)])];
            int length = fixedLength ?? expected.Max(r => r.Length);
            Check(batch.Count == 2 && batch.SequenceLength == length, $"EncodeBatch: shape {batch.Count}x{batch.SequenceLength}, expected 2x{length}");
            for (int r = 0; r < 2; r++)
            {
                int[] row = [.. expected[r], .. Enumerable.Repeat(_vocabulary.PadId, length - expected[r].Length)];
                InvariantViolation.Equal(row, batch.GetInputIds(r).ToArray(), $"EncodeBatch: row {r} ids");
                int[] mask = [.. Enumerable.Repeat(1, expected[r].Length), .. Enumerable.Repeat(0, length - expected[r].Length)];
                InvariantViolation.Equal(mask, batch.GetAttentionMask(r).ToArray(), $"EncodeBatch: row {r} mask");
                Check(batch.Lengths[r] == expected[r].Length, $"EncodeBatch: row {r} length {batch.Lengths[r]}, expected {expected[r].Length}");
            }
        }

        /// <summary>On clean A/C/G/T/N text the two modes are the same tokenizer.</summary>
        private void CheckModesAgree(int[] raw)
        {
            if (text.Any(c => c is not ('A' or 'C' or 'G' or 'T' or 'N')))
            {
                return;
            }
            KmerTokenizer other = target.Tokenizer(tokenizer.Options with { Mode = _hf ? TokenizerMode.Normalize : TokenizerMode.Hf });
            int[] otherRaw = new int[text.Length];
            int n = other.TokenizeToIds(text, otherRaw, Name);
            InvariantViolation.Equal(raw, otherRaw[..n], "hf and normalize disagree on clean ACGTN text");
        }

        /// <summary>What normalize mode reads: case folded, U to T, IUPAC codes to N, dropped characters removed (written independently of the scanner).</summary>
        private string Fold(string s)
        {
            var builder = new StringBuilder(s.Length);
            foreach (char c in s)
            {
                char upper = c is >= 'a' and <= 'z' ? (char)(c - 32) : c;
                if (upper is 'A' or 'C' or 'G' or 'T')
                {
                    builder.Append(upper);
                }
                else if (upper == 'U')
                {
                    builder.Append('T');
                }
                else if (Iupac.Contains(c, StringComparison.Ordinal))
                {
                    builder.Append('N');
                }
                else if (c is >= '0' and <= '9' && tokenizer.Options.Digits == CharacterHandling.Drop)
                {
                }
                else if (IsWhitespace(c) && tokenizer.Options.Whitespace == CharacterHandling.Drop)
                {
                }
                else
                {
                    builder.Append(c);
                }
            }
            return builder.ToString();
        }

        private static bool IsWhitespace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

        private static void Check(bool condition, string message) => InvariantViolation.Check(condition, message);
    }
}
