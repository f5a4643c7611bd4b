namespace FastRecurrence.Planning.Models;

/// <summary>CUDA's grid limits (every architecture since sm_30): x up to 2^31 - 1 blocks, y and z up to 65535.</summary>
/// <remarks>
/// The fused and alternating models require their grids to fit (a plan past them would be refused at launch); the scan's
/// launcher runs more than <see cref="MaxYZ"/> sequences as consecutive launches over slices of them, so its plan's
/// grid z is capped instead (interop/native/src/scan_ops.cpp).
/// </remarks>
internal static class CudaGridLimits
{
    public const int MaxYZ = 65535;
}
