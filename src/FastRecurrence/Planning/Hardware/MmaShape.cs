using System.Globalization;

namespace FastRecurrence.Planning.Hardware;

/// <summary>
/// The tile one warp-wide tensor-core instruction (PTX mma.sync) multiplies: D[M x N] += A[M x K] * B[K x N].
/// The planner sizes tiles as multiples of these.
/// </summary>
public readonly record struct MmaShape(int M, int N, int K)
{
    /// <summary>The PTX shape qualifier, e.g. "m16n8k16".</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"m{M}n{N}k{K}");

    public override string ToString() => Name;
}
