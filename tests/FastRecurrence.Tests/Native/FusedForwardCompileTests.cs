using System.Globalization;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// kernels/rnn_forward.cu compiles with NVRTC for the single-block plans the planner makes for an A100 (sm_80) and an
/// H100 (sm_90), every cell and storage type (fp32, bf16), spills nothing, and stays within the registers the plan
/// predicts (the forward register formula was calibrated on these: decision 0012). Needs libnvrtc, not a GPU.
/// </summary>
[TestFixture]
public sealed class FusedForwardCompileTests
{
    public static IEnumerable<TestCaseData> Plans()
    {
        foreach (var (gpu, arch) in new[] { ("A100-80GB", "sm_80"), ("H100-SXM", "sm_90") })
        foreach (var cell in Enum.GetValues<CellKind>())
        foreach (var dataType in new[] { DataType.Float32, DataType.BFloat16 })
        foreach (var (heads, headSize) in new[] { (12, 64), (4, 32) })
        {
            yield return new TestCaseData(gpu, arch, cell, dataType, heads, headSize)
                .SetArgDisplayNames(gpu, cell.ToString(), dataType.ToString(), $"{heads}x{headSize}");
        }
    }

    [SetUp]
    public void Nvrtc() => NativeTestEnvironment.RequireNvrtc();

    [TestCaseSource(nameof(Plans))]
    public void SingleBlockPlan_CompilesWithoutSpills_WithinPredictedRegisters(string gpu, string arch, CellKind cell, DataType dataType, int heads, int headSize)
    {
        var outcome = Planner.Plan(GpuCatalog.Find(gpu), new PlanRequest(KernelFamily.Fused, cell, dataType, 16, heads, headSize,
            PlanDirection.Forward, 1024));
        Assert.That(outcome.Plan, Is.Not.Null, outcome.Reason);
        var plan = outcome.Plan!;
        Assume.That(plan.Regime, Is.EqualTo(FusedRegime.SingleBlock), "only the single-block regime is written");

        var report = KernelCompiler.Compile("rnn_forward", arch, plan.Constants, cacheDir: null, useCache: false);
        var kernel = report.Kernel("fr_rnn_forward");
        Assert.That(kernel, Is.Not.Null);
        Assert.That(kernel.Registers, Is.InRange(1, 255));
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{gpu} {cell} {dataType} {heads}x{headSize}: {kernel!.Registers} registers (plan predicts {plan.PredictedRegisters}), " +
            $"W {plan.Constant("FR_WARPS")} Ks {plan.Constant("FR_K_SPLIT")} Bt {plan.Constant("FR_BATCH_TILE")} RT {plan.Constant("FR_REGISTER_ROW_TILES")} ST {plan.Constant("FR_SHARED_ROW_TILES")}"));
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  spills {kernel.SpillStoreBytes}+{kernel.SpillLoadBytes} bytes"));
        Assert.That(kernel.SpillBytes, Is.Zero, $"fr_rnn_forward spills {kernel.SpillStoreBytes}+{kernel.SpillLoadBytes} bytes");
        Assert.That(kernel.Registers, Is.LessThanOrEqualTo(plan.PredictedRegisters), "ptxas stays within the plan's register prediction");
    }
}
