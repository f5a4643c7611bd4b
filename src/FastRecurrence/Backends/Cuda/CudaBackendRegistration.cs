using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// Puts the cuda and cuda-emulated backends in <see cref="RecurrenceBackends"/> when this assembly loads, before any of its types is used,
/// so RecurrenceBackends.All and .Get("cuda") always list it. Registering is cheap and cannot fail: nothing native is
/// touched until the backend's Availability is first read (then the probe runs once and reports, never throws).
/// </summary>
internal static class CudaBackendRegistration
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The backend registers itself with the registry of its own assembly; the registration touches no native code and cannot throw.")]
    internal static void Register()
    {
        RecurrenceBackends.Register(CudaBackend.Instance, CudaBackend.Priority);
        RecurrenceBackends.Register(CudaBackend.Emulated, CudaBackend.EmulatedPriority);
    }
}
