using System.Diagnostics;
using System.Globalization;
using FastRecurrence.Cli.Errors;

namespace FastRecurrence.Cli.Commands;

/// <summary>
/// `--repeat N`: the median wall time of N more calls of one operation (after the run that wrote the outputs, which
/// also compiled and warmed the backend), printed as one line. Includes each call's copies to and from the device:
/// the time a caller of the span API waits.
/// </summary>
internal static class Timing
{
    public static void Check(int repeat)
    {
        if (repeat < 0 || repeat > 100_000)
            throw new CliInputException($"--repeat: expected 0..100000 timed calls, got {repeat}.");
    }

    public static void Report(TextWriter stdout, string what, string backend, int repeat, Action call)
    {
        if (repeat <= 0) return;
        var times = new double[repeat];
        for (var i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            call();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        var median = repeat % 2 == 1 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"timing: {what} on {backend}: median {median:F3} ms over {repeat} calls (min {times[0]:F3}, max {times[^1]:F3})"));
    }
}
