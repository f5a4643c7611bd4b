using System.Globalization;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Cli.Planning;

/// <summary>The text `plan` prints: the plan, its resources against the GPU's limits, and why it was chosen; the GPU list.</summary>
internal static class PlanReport
{
    /// <summary>One row of the resource table: what the plan uses of one resource and the GPU's limit on it.</summary>
    internal sealed record Resource(string What, long Used, long Limit, string Note = "");

    public static void Write(TextWriter stdout, GpuSpec gpu, KernelPlan plan, IReadOnlyList<string> attempts, bool fellBack)
    {
        stdout.WriteLine(plan.ToString());
        stdout.WriteLine();

        stdout.WriteLine(Invariant($"resources on {gpu.Name} ({gpu.Description}, {gpu.ComputeCapability.Arch}, {gpu.SmCount} SMs):"));
        var rows = Resources(gpu, plan);
        var whatWidth = Math.Max("what".Length, rows.Max(r => r.What.Length));
        var usedWidth = Math.Max("used".Length, rows.Max(r => Number(r.Used).Length));
        var limitWidth = Math.Max("limit".Length, rows.Max(r => Number(r.Limit).Length));
        stdout.WriteLine(Row("what", "used", "limit", "", whatWidth, usedWidth, limitWidth));
        foreach (var row in rows)
            stdout.WriteLine(Row(row.What, Number(row.Used), Number(row.Limit), row.Note, whatWidth, usedWidth, limitWidth));
        stdout.WriteLine();

        stdout.WriteLine("why:");
        foreach (var line in Reasons(plan, attempts, fellBack))
            stdout.WriteLine($"  {line}");
    }

    /// <summary>The resources the plan uses against the GPU's limits, in the order a kernel author checks them.</summary>
    internal static IReadOnlyList<Resource> Resources(GpuSpec gpu, KernelPlan plan)
    {
        var threads = plan.Block.Volume;
        var blocks = plan.Grid.Volume;
        var rows = new List<Resource>
        {
            new("threads per block", threads, gpu.MaxThreadsPerBlock),
            new("registers per thread", plan.PredictedRegisters, gpu.MaxRegistersPerThread),
            new("registers per block", plan.PredictedRegisters * threads, gpu.MaxRegistersPerBlock),
            new("shared memory bytes per block", plan.SharedMemoryBytes, gpu.SharedMemoryPerBlockOptIn, "opt-in limit"),
            new("blocks", blocks, gpu.SmCount, BlocksNote(gpu, plan, blocks)),
        };
        var clusterSize = plan.Cluster.Volume;
        if (clusterSize > 1)
        {
            var note = clusterSize > gpu.MaxClusterSize
                ? Invariant($"above the portable {gpu.MaxClusterSize}: needs cudaFuncAttributeNonPortableClusterSizeAllowed")
                : Invariant($"portable limit {gpu.MaxClusterSize}");
            rows.Add(new("cluster size (blocks)", clusterSize, gpu.NonPortableMaxClusterSize, note));
        }
        return rows;
    }

    /// <summary>The attempts (one per regime), then the plan's rationale lines the attempts do not already say.</summary>
    internal static IEnumerable<string> Reasons(KernelPlan plan, IReadOnlyList<string> attempts, bool fellBack)
    {
        foreach (var line in attempts)
            yield return line;
        foreach (var line in plan.Rationale.Where(l => !attempts.Contains(l)))
            yield return line;
        if (fellBack)
            yield return "auto: no fused plan fits, so the alternating fallback (one matmul and one pointwise kernel per step)";
        if (plan.StreamedRowTiles is > 0 and var streamed)
            yield return Invariant($"streams {streamed} R row tiles per warp from L2 at every step: pass R packed in this plan's layout (fr_rnn_pack_recurrent once per weight update; C#: CudaRecurrence packs it per call, or PackRecurrent keeps a copy), or each step gathers them from [G, NH, D, D]");
    }

    public static void WriteGpuList(TextWriter stdout, IReadOnlyList<GpuSpec> gpus)
    {
        string[] header = ["name", "description", "arch", "SMs", "shared memory per block (bytes)", "registers per SM"];
        var rows = gpus.Select(g => new[]
        {
            g.Name,
            g.Description,
            g.ComputeCapability.Arch,
            Number(g.SmCount),
            Number(g.SharedMemoryPerBlockOptIn),
            Number(g.RegistersPerSm),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        // Text columns left-aligned, numbers right-aligned.
        bool[] numeric = [false, false, false, true, true, true];
        foreach (var row in rows.Prepend(header))
        {
            var cells = row.Select((cell, i) => numeric[i] ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
            stdout.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }

    private static string BlocksNote(GpuSpec gpu, KernelPlan plan, long blocks)
    {
        if (plan.Regime == FusedRegime.GridBarrier)
            return "hard limit (SMs): a grid barrier needs every block resident, one per SM";
        return blocks > gpu.SmCount ? "SMs; not a hard limit here: blocks beyond the SMs run in later waves" : "SMs";
    }

    private static string Row(string what, string used, string limit, string note, int whatWidth, int usedWidth, int limitWidth) =>
        $"{what.PadRight(whatWidth)}  {used.PadLeft(usedWidth)}  {limit.PadLeft(limitWidth)}  {note}".TrimEnd();

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
