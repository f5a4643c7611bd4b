using System.Globalization;

namespace FastRecurrence.Backends.Cuda;

/// <summary>
/// What a compiled plan variant must satisfy (the compile-only CI gates of issues 4 and 7): the planned kernel (e.g.
/// fr_scan_forward or fr_scan_backward, as the scan plan's FR_BACKWARD says; fr_rnn_forward) is in the ptxas report,
/// spills nothing, and uses no more registers than the plan predicts; so do the companion kernels launched with it
/// (the backward reductions' module: its db reduction and gate products beside dR, all within its budget). scan.cu
/// defines both of its kernels in every compilation; the one never launched with these constants is reported
/// (<see cref="UnplannedSpills"/>) but not held against the variant.
/// </summary>
public static class VariantCheck
{
    /// <summary>The violations in words; empty when the variant passes.</summary>
    public static IReadOnlyList<string> Problems(PlanVariant variant, CompileReport report)
    {
        ArgumentNullException.ThrowIfNull(variant);
        ArgumentNullException.ThrowIfNull(report);
        var problems = new List<string>();
        if (report.Kernel(variant.KernelName) is not { } planned)
        {
            problems.Add($"{variant.KernelName} is not in the ptxas report (kernels: {string.Join(", ", report.Kernels.Select(k => k.Name))})");
            return problems;
        }
        if (planned.SpillBytes > 0)
            problems.Add(Invariant($"{planned.Name} spills {planned.SpillStoreBytes} bytes stored, {planned.SpillLoadBytes} bytes loaded"));
        if (planned.Registers > variant.PredictedRegisters)
            problems.Add(Invariant($"{planned.Name} uses {planned.Registers} registers, above the plan's prediction of {variant.PredictedRegisters}"));
        foreach (var name in variant.CompanionKernels)
        {
            if (report.Kernel(name) is not { } companion)
                problems.Add($"{name} (launched with {variant.KernelName}) is not in the ptxas report");
            else if (companion.SpillBytes > 0)
                problems.Add(Invariant($"{name} (launched with {variant.KernelName}) spills {companion.SpillStoreBytes} bytes stored, {companion.SpillLoadBytes} bytes loaded"));
            else if (companion.Registers > variant.PredictedRegisters)
                problems.Add(Invariant($"{name} (launched with {variant.KernelName}) uses {companion.Registers} registers, above the variant's {variant.PredictedRegisters}"));
        }
        return problems;
    }

    /// <summary>Spills of the kernels the variant does not launch (informational), e.g. "fr_scan_backward (not launched by this plan) spills 88+56 bytes".</summary>
    public static IReadOnlyList<string> UnplannedSpills(PlanVariant variant, CompileReport report)
    {
        ArgumentNullException.ThrowIfNull(variant);
        ArgumentNullException.ThrowIfNull(report);
        return report.Kernels.Where(k => k.Name != variant.KernelName && !variant.CompanionKernels.Contains(k.Name) && k.SpillBytes > 0)
            .Select(k => Invariant($"{k.Name} (not launched by this plan) spills {k.SpillStoreBytes}+{k.SpillLoadBytes} bytes"))
            .ToArray();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
