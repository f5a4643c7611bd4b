using FastRecurrence.Backends;
using FastRecurrence.Ilgpu;
using FastRecurrence.Tests.Backends;

namespace FastRecurrence.Tests.Ilgpu;

/// <summary>The variable-length suite on ILGPU's CPU accelerator (the kernels' per-row length predicate). A CPU backend: missing fails.</summary>
[TestFixture]
public sealed class IlgpuCpuVariableLengthTests : VariableLengthBackendSuite
{
    protected override IRecurrenceBackend Backend => IlgpuBackends.Cpu;
    protected override bool MustBeAvailable => true;
}
