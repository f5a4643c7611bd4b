using System.Globalization;

namespace FastRecurrence.Planning.Hardware;

/// <summary>
/// A CUDA compute capability (major.minor), the key to every per-architecture limit and to the PTX target the
/// kernels are compiled for. Ordered by (major, minor), so "sm_80 or newer" reads <c>cc &gt;= new(8, 0)</c>.
/// </summary>
public readonly record struct ComputeCapability : IComparable<ComputeCapability>
{
    public ComputeCapability(int major, int minor)
    {
        if (major < 1)
            throw new ArgumentOutOfRangeException(nameof(major), major, $"{nameof(major)}: expected an integer >= 1, got {major}.");
        // NVRTC's -arch=sm_XY spells the minor as one digit.
        if (minor is < 0 or > 9)
            throw new ArgumentOutOfRangeException(nameof(minor), minor, $"{nameof(minor)}: expected an integer in [0, 9], got {minor}.");
        Major = major;
        Minor = minor;
    }

    public int Major { get; }
    public int Minor { get; }

    /// <summary>
    /// The generic real architecture NVRTC / nvcc take as -arch, e.g. "sm_90". Never the arch-specific "sm_90a":
    /// the kernels use only instructions every device of the capability runs (mma.sync, not wgmma / tcgen05).
    /// </summary>
    public string Arch => string.Create(CultureInfo.InvariantCulture, $"sm_{Major}{Minor}");

    public int CompareTo(ComputeCapability other) =>
        Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(ComputeCapability left, ComputeCapability right) => left.CompareTo(right) < 0;
    public static bool operator >(ComputeCapability left, ComputeCapability right) => left.CompareTo(right) > 0;
    public static bool operator <=(ComputeCapability left, ComputeCapability right) => left.CompareTo(right) <= 0;
    public static bool operator >=(ComputeCapability left, ComputeCapability right) => left.CompareTo(right) >= 0;

    /// <summary>"9.0", as NVIDIA's tables write it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");
}
