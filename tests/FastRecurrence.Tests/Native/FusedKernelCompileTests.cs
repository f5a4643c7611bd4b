using System.Globalization;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Planning;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// The fused kernels' compile-only CI gate (issues 7 and 8): every distinct plan the planner produces for the catalog
/// GPUs of every architecture NVRTC 11.8 (CI's) compiles for (sm_70 .. sm_90; the catalog's sm_100 / sm_120 need NVRTC
/// 12.8+) over the sweep (<see cref="FusedPlanVariants"/>, the same enumeration as `compile --family rnn` and
/// `rnn-backward`), forward (kernels/rnn_forward.cu) and backward (kernels/rnn_backward.cu, with the dR / db reductions
/// launched after it), compiles with NVRTC within the registers the plan predicts (ptxas's cap: FR_MAX_REGISTERS) and
/// without spilling, so the register file, occupancy and tile placement the planner sized are the real ones.
/// Needs libnvrtc (not a GPU); fails without it unless FR_SKIP_NVRTC=1.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class FusedKernelCompileTests
{
    private static readonly string[] Architectures = ["sm_70", "sm_75", "sm_80", "sm_86", "sm_89", "sm_90"];

    public static IEnumerable<TestCaseData> AllVariants() =>
        from direction in new[] { PlanDirection.Forward, PlanDirection.Backward }
        from arch in Architectures
        from variant in Variants(arch, direction)
        select variant;

    private static IEnumerable<TestCaseData> Variants(string arch, PlanDirection direction)
    {
        var index = 0;
        foreach (var variant in FusedPlanVariants.For(arch, direction))
        {
            index++;
            var c = variant.Constants;
            yield return new TestCaseData(variant).SetName(string.Create(CultureInfo.InvariantCulture,
                $"Compile_{direction}_{arch}_{index:D3}_{variant.Regime}_{variant.Plans[0].Request.Cell}_{(variant.Constant("FR_TF32") == 1 ? "Tf32" : variant.DataType.ToString())}_D{c["FR_HEAD_SIZE"]}_P{c["FR_BLOCKS_PER_HEAD"]}_W{c["FR_WARPS"]}_Ks{c["FR_K_SPLIT"]}_Bt{c["FR_BATCH_TILE"]}_RT{c["FR_REGISTER_ROW_TILES"]}_ST{c["FR_SHARED_ROW_TILES"]}_Hb{c["FR_HEADS_PER_BLOCK"]}"));
        }
    }

    [SetUp]
    public void Nvrtc() => NativeTestEnvironment.RequireNvrtc();

    [TestCaseSource(nameof(AllVariants))]
    public void Variant_CompilesWithoutSpills_WithinPredictedRegisters(PlanVariant variant)
    {
        var report = KernelCompiler.Compile(variant.SourceName, variant.Arch, variant.Constants, NativeTestRun.SharedCacheDir);
        var kernel = report.Kernel(variant.KernelName);
        Assert.That(kernel, Is.Not.Null, $"{variant.KernelName} in the ptxas report of {variant}");
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{kernel!.Registers} registers (predicted {variant.PredictedRegisters}), spills {kernel.SpillStoreBytes}+{kernel.SpillLoadBytes} bytes, {report.Milliseconds:F0} ms: {variant}"));
        Assert.That(VariantCheck.Problems(variant, report), Is.Empty, variant.ToString());
    }
}

/// <summary>The fused enumeration itself (planner only; no NVRTC needed).</summary>
[TestFixture]
public sealed class FusedPlanVariantsTests
{
    [Test]
    public void TheSweep_CoversEveryRegimeOfEachArchitecture_EveryCellAndType_WithDistinctCheckedPlans()
    {
        foreach (var (arch, regimes) in new[]
                 {
                     ("sm_80", new[] { FusedRegime.SingleBlock, FusedRegime.GridBarrier }),
                     ("sm_90", new[] { FusedRegime.SingleBlock, FusedRegime.Cluster, FusedRegime.GridBarrier }),
                 })
        {
            var variants = FusedPlanVariants.For(arch);
            Assert.Multiple(() =>
            {
                Assert.That(variants.Select(v => v.Regime).Distinct().Order(), Is.EqualTo(regimes), arch);
                Assert.That(variants.Select(v => (v.Plans[0].Request.Cell, v.DataType)).Distinct().Count(), Is.EqualTo(4 * 3), arch);
                Assert.That(variants.Count(v => v.Constant("FR_TF32") == 1), Is.GreaterThan(0), "float32 plans in tf32 too");
                Assert.That(variants.Select(v => v.Describe()).Distinct().Count(), Is.EqualTo(variants.Count), "variants are distinct");
                Assert.That(variants.All(v => v.KernelName == "fr_rnn_forward" && v.SourceName == "rnn_forward"), Is.True);
                Assert.That(variants.All(v => v.Plans.All(p => p.Arch == arch && p.Constant("FR_MAX_REGISTERS") == p.PredictedRegisters)), Is.True,
                    "every plan caps ptxas at its own register prediction");
                Assert.That(variants.All(v => v.Plans.All(p => p.Regime == v.Regime)), Is.True);
            });
        }
    }

    [Test]
    public void TheBackwardSweep_CoversEveryRegime_WithTheBackwardSourceAndItsReductions()
    {
        var variants = FusedPlanVariants.For("sm_90", PlanDirection.Backward);
        Assert.Multiple(() =>
        {
            Assert.That(variants.Select(v => v.Regime).Distinct().Order(),
                Is.EqualTo(new[] { FusedRegime.SingleBlock, FusedRegime.Cluster, FusedRegime.GridBarrier }));
            Assert.That(variants.Select(v => (v.Plans[0].Request.Cell, v.DataType)).Distinct().Count(), Is.EqualTo(4 * 3));
            Assert.That(variants.All(v => v.KernelName == "fr_rnn_backward" && v.SourceName == "rnn_backward"
                && v.CompanionKernels.SequenceEqual(["fr_rnn_backward_weights", "fr_rnn_backward_bias", "fr_rnn_gate_products"])), Is.True);
            Assert.That(variants.All(v => v.Constant("FR_BACKWARD") == 1), Is.True);
        });
    }
}
