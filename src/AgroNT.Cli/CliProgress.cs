using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AgroNT.Cli;

/// <summary>What a verb's progress counts, and how an amount and a rate of it are written.</summary>
/// <param name="Name">The unit after a count (<c>steps</c>), empty for bytes.</param>
/// <param name="IsBytes">Whether amounts are bytes (written 1.2 MB, rates 3.4 MB/s).</param>
internal sealed record ProgressUnit(string Name, bool IsBytes = false)
{
    /// <summary>Bytes: of an input file read, or of a download.</summary>
    public static readonly ProgressUnit Bytes = new("", IsBytes: true);

    /// <summary>A count of things (records, steps, windows).</summary>
    public static ProgressUnit Of(string name) => new(name);

    /// <summary>An amount: <c>1.2 MB</c> or <c>1,234 steps</c>.</summary>
    public string Amount(double value) => IsBytes ? ByteSize.Format(value) : string.Create(CultureInfo.InvariantCulture, $"{value:N0} {Name}");

    /// <summary>A rate: <c>3.4 MB/s</c> or <c>12.5 steps/s</c>.</summary>
    public string Rate(double perSecond) => IsBytes
        ? ByteSize.Format(perSecond) + "/s"
        : string.Create(CultureInfo.InvariantCulture, $"{perSecond:N1} {Name}/s");
}

/// <summary>
/// Where a verb reports how far it has got: one mechanism for every long verb. <see cref="Create"/> picks the renderer
/// once: a live Spectre.Console bar when standard error is a terminal, plain periodic lines when it is not (CI, a log
/// file), nothing with <c>--quiet</c>.
/// </summary>
internal abstract class CliProgress : IDisposable
{
    /// <summary>The environment variable that sets the least seconds between two plain progress lines (default 2; 0 for every report).</summary>
    public const string IntervalVariable = "AGRONT_PROGRESS_INTERVAL";

    /// <summary>The least time between two plain progress lines: <see cref="IntervalVariable"/>, else two seconds.</summary>
    public static TimeSpan PlainInterval =>
        double.TryParse(Environment.GetEnvironmentVariable(IntervalVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(Math.Min(seconds, 86_400))
            : TimeSpan.FromSeconds(2);

    private static readonly AsyncLocal<ProgressEnvironment?> s_environment = new();

    /// <summary>What tests put in place of the real terminal check: a console to draw on, or plain lines at this interval.</summary>
    /// <param name="Terminal">The console a bar is drawn on; null for plain lines.</param>
    /// <param name="PlainInterval">The least time between plain lines.</param>
    internal sealed record ProgressEnvironment(IAnsiConsole? Terminal, TimeSpan PlainInterval);

    /// <summary>Makes <see cref="Create"/> use <paramref name="environment"/> on this flow of execution until disposed (tests).</summary>
    internal static IDisposable Override(ProgressEnvironment environment)
    {
        var previous = s_environment.Value;
        s_environment.Value = environment;
        return new Restore(() => s_environment.Value = previous);
    }

    /// <summary>
    /// The one terminal check: standard error is the process's own, not redirected to a file or pipe, and
    /// <c>TERM</c> is not <c>dumb</c>. Verbs write through <see cref="TerminalSafeWriter"/>, so a bar draws on the writer
    /// under it (the bar's escape codes are its own; text from input files in it is escaped).
    /// </summary>
    internal static bool IsTerminal(TextWriter stderr) =>
        stderr is TerminalSafeWriter { Inner: var inner }
        && ReferenceEquals(inner, Console.Error)
        && !Console.IsErrorRedirected
        && Environment.GetEnvironmentVariable("TERM") is not "dumb";

    /// <summary>The progress display of a verb run.</summary>
    /// <param name="args">The verb's arguments: <c>--quiet</c> gives a display that shows nothing.</param>
    /// <param name="stderr">The verb's standard error.</param>
    /// <param name="verb">The verb's name, which starts each plain line.</param>
    /// <param name="unit">What the progress counts.</param>
    public static CliProgress Create(ParsedArguments args, TextWriter stderr, string verb, ProgressUnit unit)
    {
        if (args.Has(CommonOptions.Quiet.Name))
        {
            return new Silent(stderr);
        }
        if (s_environment.Value is { } environment)
        {
            return environment.Terminal is { } console
                ? (CliProgress?)SpectreBar.Start(console, verb, unit) ?? new PlainLines(stderr, verb, unit, environment.PlainInterval)
                : new PlainLines(stderr, verb, unit, environment.PlainInterval);
        }
        if (IsTerminal(stderr))
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.Yes,
                ColorSystem = ColorSystemSupport.Detect,
                Interactive = InteractionSupport.Yes,
                Out = new AnsiConsoleOutput(((TerminalSafeWriter)stderr).Inner),
            });
            if (SpectreBar.Start(console, verb, unit) is { } bar)
            {
                return bar;
            }
        }
        return new PlainLines(stderr, verb, unit, PlainInterval);
    }

    /// <summary>Shows how far the work has got.</summary>
    /// <param name="done">The amount done, in the display's unit.</param>
    /// <param name="total">The whole amount, or null when it is not known (no percentage or ETA then).</param>
    /// <param name="detail">A short note shown beside it (<c>12 records, 34,560 bp</c>); null keeps the last one.</param>
    public abstract void Report(double done, double? total, string? detail = null);

    /// <summary>
    /// Like <see cref="Report(double, double?, string?)"/> for work that writes its own log line at its own pace (a
    /// training step every --log-interval updates): a bar shows the amounts, plain output prints <paramref name="line"/>.
    /// </summary>
    public virtual void ReportLogged(double done, double? total, string? detail, string line) => Report(done, total, detail);

    /// <summary>
    /// Starts the next item of a series measured one at a time (the next file of a download): a bar keeps the finished
    /// row and opens a new one, plain lines restart their rate and ETA.
    /// </summary>
    public virtual void Restart()
    {
    }

    /// <summary>Prints a message line (a warning, a per-file event) without tearing the bar.</summary>
    public abstract void WriteLine(string message);

    /// <summary>Marks the work complete: a bar of known total is drawn full.</summary>
    public virtual void Complete()
    {
    }

    /// <summary>Stops the display; the last state of a bar stays on the terminal.</summary>
    public virtual void Dispose()
    {
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary><c>--quiet</c>: progress is dropped; messages (warnings) still go to standard error.</summary>
    private sealed class Silent(TextWriter stderr) : CliProgress
    {
        public override void Report(double done, double? total, string? detail = null)
        {
        }

        public override void WriteLine(string message) => stderr.WriteLine(message);
    }

    /// <summary>One line every <c>interval</c> at most: percentage, amount, mean rate and ETA, as a log file wants them.</summary>
    private sealed class PlainLines(TextWriter stderr, string verb, ProgressUnit unit, TimeSpan interval) : CliProgress
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _last = TimeSpan.Zero;
        private bool _printed;
        private double _done;
        private double? _total;
        private string? _detail;

        private readonly Lock _gate = new();

        // Sharded runs report from several worker threads.
        public override void Report(double done, double? total, string? detail = null)
        {
            lock (_gate)
            {
                (_done, _total, _detail) = (done, total, detail ?? _detail);
                if (_clock.Elapsed - _last < interval)
                {
                    return;
                }
                _last = _clock.Elapsed;
                Print();
            }
        }

        public override void WriteLine(string message)
        {
            lock (_gate)
            {
                stderr.WriteLine(message);
            }
        }

        public override void Restart()
        {
            lock (_gate)
            {
                _clock.Restart();
                _last = TimeSpan.Zero;
                _printed = false;
                (_done, _total, _detail) = (0, null, null);
            }
        }

        public override void ReportLogged(double done, double? total, string? detail, string line)
        {
            lock (_gate)
            {
                (_done, _total, _detail) = (done, total, detail ?? _detail);
                stderr.WriteLine(line);
            }
        }

        public override void Complete()
        {
            lock (_gate)
            {
                // A log that showed progress also shows where it ended.
                if (_printed)
                {
                    if (_total is { } total)
                    {
                        _done = total;
                    }
                    Print();
                }
            }
        }

        private void Print()
        {
            _printed = true;
            double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
            double rate = _done / seconds;
            string line = _total is { } total and > 0
                ? string.Create(CultureInfo.InvariantCulture,
                    $"agront {verb}: {Math.Min(100, 100 * _done / total):0}% ({unit.Amount(_done)} of {unit.Amount(total)}), {unit.Rate(rate)}, ETA {Eta(rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, total - _done) / rate) : null)}")
                : string.Create(CultureInfo.InvariantCulture, $"agront {verb}: {unit.Amount(_done)}, {unit.Rate(rate)}");
            stderr.WriteLine(_detail is null ? line : line + "; " + _detail);
        }
    }

    /// <summary>ETA as <c>m:ss</c> or <c>h:mm:ss</c>.</summary>
    internal static string Eta(TimeSpan? eta) =>
        eta is { } t && t < TimeSpan.FromDays(100) ? t.ToString(t.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture) : "unknown";

    /// <summary>
    /// A live Spectre.Console bar: description, bar, percentage, rate, ETA. Spectre's progress runs its callback to the
    /// end, so it runs on a thread of its own that waits for <see cref="Dispose"/> while the verb reports from its thread
    /// (a <see cref="ProgressTask"/> may be updated from any thread).
    /// </summary>
    private sealed class SpectreBar : CliProgress
    {
        private readonly IAnsiConsole _console;
        private readonly string _verb;
        private readonly ManualResetEventSlim _finished = new();
        private readonly Thread _thread;
        private ProgressContext? _context;
        private ProgressTask? _task;
        private bool _disposed;

        private SpectreBar(IAnsiConsole console, string verb, ProgressUnit unit)
        {
            _console = console;
            _verb = verb;
            var progress = console.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentColumn(), new RateColumn(unit), new EtaColumn());
            using var ready = new ManualResetEventSlim();
            _thread = new Thread(() =>
            {
                try
                {
                    progress.Start(context =>
                    {
                        _context = context;
                        var task = context.AddTask(Describe(null), autoStart: true, maxValue: 1);
                        task.IsIndeterminate = true;
                        _task = task;
                        ready.Set();
                        _finished.Wait();
                    });
                }
                catch (Exception e) when (e is InvalidOperationException or IOException)
                {
                    // No live display on this console (another is running): the verb goes on without a bar.
                }
                finally
                {
                    ready.Set();
                }
            })
            { IsBackground = true, Name = "agront progress" };
            _thread.Start();
            ready.Wait();
        }

        public static SpectreBar? Start(IAnsiConsole console, string verb, ProgressUnit unit)
        {
            var bar = new SpectreBar(console, verb, unit);
            if (bar._task is null)
            {
                bar.Dispose();
                return null;
            }
            return bar;
        }

        private string Describe(string? detail) =>
            Markup.Escape(TerminalSafeWriter.Sanitize($"agront {_verb}" + (detail is null ? "" : ": " + detail))!);

        public override void Report(double done, double? total, string? detail = null)
        {
            if (_task is not { } task)
            {
                return;
            }
            if (total is { } t and > 0)
            {
                task.MaxValue = t;
                task.IsIndeterminate = false;
            }
            else
            {
                task.IsIndeterminate = true;
            }
            task.Value = total is { } cap and > 0 ? Math.Min(done, cap) : done;
            if (detail != null)
            {
                task.Description = Describe(detail);
            }
        }

        public override void WriteLine(string message) =>
            _console.WriteLine(TerminalSafeWriter.Sanitize(message) ?? "");

        public override void Restart()
        {
            if (_context is { } context && _task is { } previous)
            {
                previous.StopTask();
                var task = context.AddTask(Describe(null), autoStart: true, maxValue: 1);
                task.IsIndeterminate = true;
                _task = task;
            }
        }

        public override void Complete()
        {
            if (_task is { IsIndeterminate: false } task)
            {
                task.Value = task.MaxValue;
            }
        }

        public override void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _task?.StopTask();
            _finished.Set();
            _thread.Join();
            _finished.Dispose();
        }
    }

    /// <summary>The percentage, blank while the total is unknown.</summary>
    private sealed class PercentColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.IsIndeterminate ? "   " : string.Create(CultureInfo.InvariantCulture, $"{task.Percentage,3:0}%"));
    }

    /// <summary>The amount done and its rate, in the display's unit.</summary>
    private sealed class RateColumn(ProgressUnit unit) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            string amount = task.IsIndeterminate ? unit.Amount(task.Value) : $"{unit.Amount(task.Value)}/{unit.Amount(task.MaxValue)}";
            return new Text(task.Speed is { } speed ? $"{amount} {unit.Rate(speed)}" : amount);
        }
    }

    /// <summary>The time left at the current rate.</summary>
    private sealed class EtaColumn : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(task.IsIndeterminate ? "" : "ETA " + Eta(task.Value >= task.MaxValue ? TimeSpan.Zero : task.RemainingTime));
    }
}

/// <summary>Calls the handler on the reporting thread (the CLI draws from it), unlike <see cref="Progress{T}"/>, which posts to the thread pool.</summary>
internal sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
