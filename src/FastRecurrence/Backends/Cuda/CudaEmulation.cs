using FastRecurrence.Interop;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// cuda-emulated backends beyond the registered one (threads in order, H100 limits): another catalog GPU's limits, or a
/// seeded random thread order between synchronisation points, which makes a missing barrier show up as a wrong result.
/// Each backend owns its emulated context; the kernels it compiles are cached on disk like cubins.
/// </summary>
public static class CudaEmulation
{
    /// <summary>
    /// A cuda-emulated backend planning for <paramref name="gpu"/> (a <see cref="GpuCatalog"/> name) whose threads run
    /// in order (<paramref name="randomSeed"/> null) or in the random order of that seed. Not registered: pass it to
    /// the operations directly. Never throws for a missing compiler: its Availability says why. Throws ArgumentException
    /// (naming <paramref name="gpu"/>) for a name the catalog does not know.
    /// </summary>
    public static IRecurrenceBackend CreateBackend(string gpu = CudaBackend.EmulatedGpu, ulong? randomSeed = null)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        // not GpuCatalog.Find, whose exception names its own parameter ("name"), not this method's
        if (!GpuCatalog.TryFind(gpu, out var spec))
            throw new ArgumentException($"gpu: unknown GPU '{gpu}'; known GPUs: {string.Join(", ", GpuCatalog.Names)}.", nameof(gpu));
        var schedule = randomSeed is null ? FrSchedule.InOrder : FrSchedule.Random;
        return new CudaBackend(CudaBackend.EmulatedName, () => CudaDevice.ProbeEmulated(spec, schedule, randomSeed ?? 0));
    }
}
