using FastRecurrence.Interop;

namespace FastRecurrence.Cli.Errors;

/// <summary>
/// Which libfastrecurrence statuses are a refusal of what the user asked (reported as one "error:" line, exit 1) and
/// which are a bug in this project (left to surface with their stack trace).
/// </summary>
internal static class NativeRefusals
{
    public static bool IsRefusal(FrStatus status) => status switch
    {
        // The input or the request: a size, a shape, a launch past the device's limits (the library names the limit).
        FrStatus.ErrorInvalidArgument or FrStatus.ErrorUnsupported => true,
        // The machine: no driver, no such device, no NVRTC, not enough memory, a cache folder that cannot be written.
        FrStatus.ErrorNoDriver or FrStatus.ErrorNoDevice or FrStatus.ErrorNoNvrtc or FrStatus.ErrorOutOfMemory or FrStatus.ErrorCache => true,
        // Ours to fix, so the stack trace matters: NVRTC rejecting our kernel source for a valid plan, a driver call
        // failing (a kernel fault on a real GPU lands here), the library's internal errors and the emulator catching a
        // kernel breaking the execution model.
        FrStatus.ErrorCompile or FrStatus.ErrorCuda or FrStatus.ErrorInternal or FrStatus.ErrorKernelFault => false,
        _ => false,
    };
}
