using System.Runtime.InteropServices;

namespace FastRecurrence.Bench.Planning;

/// <summary>
/// CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID, nanosecond resolution): the time it actually ran,
/// which, unlike wall time, does not grow while the thread waits for a core that other processes hold.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>True where the clock can be read (64-bit Linux).</summary>
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux() && Environment.Is64BitProcess && TryRead(out _);

    /// <summary>The calling thread's CPU time in milliseconds, or NaN where <see cref="IsAvailable"/> is false.</summary>
    public static double Milliseconds() => IsAvailable && TryRead(out var ms) ? ms : double.NaN;

    private static bool TryRead(out double milliseconds)
    {
        milliseconds = double.NaN;
        try
        {
            if (NativeMethods.clock_gettime(ClockThreadCpuTimeId, out var time) != 0)
                return false;
            milliseconds = time.Seconds * 1e3 + time.Nanoseconds * 1e-6;
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int clock_gettime(int clockId, out TimeSpec time);
    }
}
