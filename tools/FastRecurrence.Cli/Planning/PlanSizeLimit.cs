namespace FastRecurrence.Cli.Planning;

/// <summary>
/// The sizes `plan` takes: --batch, --steps, --hidden and --heads each at most 2^24 = 16777216, and B * T * H (the
/// elements of one [B, T, H] tensor of the problem) at most 2^40. The planner computes grid sizes, tile counts and
/// costs in 32- and 64-bit integers from these sizes (B rounded up to a tile, blocks = tiles of D * H * B, cost =
/// blocks * T * cycles): near int.MaxValue the grid went negative, and with every size at 2^24 the scan's cost
/// overflows 64 bits. Within these limits every family stays in range with a wide margin (tested at the limits), and
/// they are no real restriction: 2^40 elements is 4 TiB of fp32, more than any catalog GPU holds.
/// </summary>
internal static class PlanSizeLimit
{
    public const int Max = 1 << 24;

    /// <summary>How help and errors write the range of one size.</summary>
    public const string Range = "1..16777216 (2^24)";

    public const long MaxElements = 1L << 40;

    /// <summary>How help and errors write <see cref="MaxElements"/>.</summary>
    public const string ElementsText = "2^40 (1099511627776)";

    /// <summary>Whether B * T * H is within <see cref="MaxElements"/>, each size already within <see cref="Max"/>.</summary>
    public static bool ElementsFit(int batch, int steps, int hidden) =>
        // B * T <= 2^48 cannot overflow; B * T * H could, so divide instead
        (long)batch * steps <= MaxElements / hidden;
}
