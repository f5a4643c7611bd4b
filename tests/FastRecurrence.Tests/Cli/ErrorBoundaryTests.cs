using FastRecurrence.Backends;
using FastRecurrence.Cli.Errors;
using FastRecurrence.Interop;
using FastRecurrence.Planning;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// Where exceptions become exit codes (ErrorBoundary, which Program.Run wraps every command in), with injected
/// exceptions of the types the library throws: every refusal of the input, the device or the setup (the native
/// library's refusing statuses included, e.g. the fr_scan_forward grid refusal of a batch past 65535) is one
/// "error: ..." line and exit 1; a native status that means a bug of ours, and any other exception, still escapes
/// with its stack trace.
/// </summary>
[TestFixture]
public sealed class ErrorBoundaryTests
{
    private static (int ExitCode, string Stderr) Run(Exception thrown)
    {
        using var stderr = new StringWriter();
        var exitCode = ErrorBoundary.Run(() => throw thrown, stderr);
        return (exitCode, stderr.ToString());
    }

    private static FastRecurrenceNativeException Native(FrStatus status, string message) =>
        new(status, "fr_scan_forward", $"FR_{status}", message);

    private static void AssertOneErrorLine((int ExitCode, string Stderr) result, string expected)
    {
        Assert.That(result.ExitCode, Is.EqualTo(1), result.Stderr);
        Assert.That(result.Stderr, Is.EqualTo($"error: {expected}{Environment.NewLine}"));
    }

    [Test]
    public void NativeGridRefusal_IsOneErrorLine_NotAStackTrace()
    {
        var refusal = new FastRecurrenceNativeException(FrStatus.ErrorUnsupported, "fr_scan_forward", "FR_ERROR_UNSUPPORTED",
            "plan.grid: expected x <= 2^31 - 1 and y, z <= 65535 (the CUDA grid limits), got (1, 1, 70000); split the call (e.g. the batch) into parts within them.");

        AssertOneErrorLine(Run(refusal),
            "fr_scan_forward failed with FR_ERROR_UNSUPPORTED: plan.grid: expected x <= 2^31 - 1 and y, z <= 65535 (the CUDA grid limits), got (1, 1, 70000); split the call (e.g. the batch) into parts within them.");
    }

    [TestCase(FrStatus.ErrorInvalidArgument)]
    [TestCase(FrStatus.ErrorNoDriver)]
    [TestCase(FrStatus.ErrorNoDevice)]
    [TestCase(FrStatus.ErrorNoNvrtc)]
    [TestCase(FrStatus.ErrorUnsupported)]
    [TestCase(FrStatus.ErrorOutOfMemory)]
    [TestCase(FrStatus.ErrorCache)]
    public void NativeRefusals_AreOneErrorLine(FrStatus status)
    {
        // NVRTC-style logs run to many lines; the error keeps the first
        var result = Run(Native(status, "the reason\nmore of the log"));

        AssertOneErrorLine(result, $"fr_scan_forward failed with FR_{status}: the reason");
    }

    [TestCase(FrStatus.ErrorCompile)]
    [TestCase(FrStatus.ErrorCuda)]
    [TestCase(FrStatus.ErrorInternal)]
    [TestCase(FrStatus.ErrorKernelFault)]
    public void NativeBugs_EscapeWithTheirStackTrace(FrStatus status)
    {
        var bug = Native(status, "a kernel broke the execution model");

        Assert.That(() => Run(bug), Throws.TypeOf<FastRecurrenceNativeException>().With.Property(nameof(FastRecurrenceNativeException.Status)).EqualTo(status));
    }

    [Test]
    public void LibraryRefusalsOfOtherTypes_AreOneErrorLine()
    {
        Assert.Multiple(() =>
        {
            AssertOneErrorLine(Run(new PlanningException("no fused plan for Fused Lstm Forward B=16 NH=1 D=2560 BFloat16 on A100-40GB\nSingleBlock: ...")),
                "no fused plan for Fused Lstm Forward B=16 NH=1 D=2560 BFloat16 on A100-40GB");
            AssertOneErrorLine(Run(new BackendUnavailableException("cuda", "no CUDA driver")), "backend 'cuda' cannot run this: no CUDA driver");
            AssertOneErrorLine(Run(new FastRecurrenceLibraryNotFoundException("libfastrecurrence.so not found; build it with ./build.sh")),
                "libfastrecurrence.so not found; build it with ./build.sh");
            AssertOneErrorLine(Run(new NotSupportedException("problem: backend 'x' does not run it")), "problem: backend 'x' does not run it");
            AssertOneErrorLine(Run(new ArgumentException("batch: expected an integer >= 1, got 0.", "batch")), "batch: expected an integer >= 1, got 0.");
        });
    }

    [Test]
    public void OtherExceptions_AreBugs_AndEscape()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => Run(new InvalidOperationException("a bug")), Throws.TypeOf<InvalidOperationException>());
            Assert.That(() => Run(new OverflowException()), Throws.TypeOf<OverflowException>());
            Assert.That(() => Run(new KeyNotFoundException()), Throws.TypeOf<KeyNotFoundException>());
        });
    }
}
