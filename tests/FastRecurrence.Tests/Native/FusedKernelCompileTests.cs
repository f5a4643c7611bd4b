using System.Globalization;
using FastRecurrence.Backends.Cuda;
using FastRecurrence.Planning;

namespace FastRecurrence.Tests.Native;

/// <summary>
/// The fused kernels' compile-only CI gate (issues 7 and 8): every distinct plan the planner produces for the catalog
/// GPUs of every architecture NVRTC 11.8 (CI's) compiles for (sm_70 .. sm_90; the catalog's sm_100 / sm_120 need NVRTC
/// 12.8+) over the sweep (<see cref="FusedPlanVariants"/>, the same enumeration as `compile --family rnn` and
/// `rnn-backward`), forward (kernels/rnn_forward.cu) and backward (kernels/rnn_backward.cu), compiles with NVRTC within the registers the plan predicts (ptxas's cap: FR_MAX_REGISTERS) and
/// without spilling, so the register file, occupancy and tile placement the planner sized are the real ones.
/// The plans for calls with lengths (their FR_LENGTHS builds, decision 0021) too: every backward one, and every
/// <see cref="ForwardLengthsSampleStride"/>-th forward one (<see cref="LengthsGate"/> says why). And the backward's
/// reductions (kernels/rnn_gradients.cu), one module per cell and type (decision 0028): no spills, within a fixed budget.
/// Needs libnvrtc (not a GPU); fails without it unless FR_SKIP_NVRTC=1.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public sealed class FusedKernelCompileTests
{
    private static readonly string[] Architectures = ["sm_70", "sm_75", "sm_80", "sm_86", "sm_89", "sm_90"];

    /// <summary>
    /// Every forward lengths plan would add about 14 minutes to CI's 2-core run (the whole lengths sweep, both
    /// directions, about 30). The forward's caps keep 38 registers or more in hand in every lengths build (the full
    /// sweep, `compile --lengths`, docs/PERFORMANCE.md), the backward's as few as 1; so CI compiles every backward
    /// lengths plan and a stride of the forward ones, with every cell, type and regime of each architecture among them.
    /// </summary>
    public const int ForwardLengthsSampleStride = 4;

    public static IEnumerable<TestCaseData> AllVariants() =>
        from direction in new[] { PlanDirection.Forward, PlanDirection.Backward }
        from lengths in new[] { false, true }
        from arch in Architectures
        from variant in Variants(arch, direction, lengths)
        select variant;

    /// <summary>The reductions' modules (rnn_gradients.cu) the backward plans of the architecture load (decision 0028).</summary>
    private static IEnumerable<TestCaseData> GradientVariants(string arch, IReadOnlyList<PlanVariant> backward) =>
        FusedPlanVariants.Gradients(backward).Select((variant, i) => new TestCaseData(variant).SetName(string.Create(CultureInfo.InvariantCulture,
            $"Compile_Gradients_{arch}_{i + 1:D2}_{variant.Plans[0].Request.Cell}_{(variant.Constant("FR_TF32") == 1 ? "Tf32" : variant.DataType.ToString())}")));

    /// <summary>
    /// The lengths plans the gate compiles: every backward one; of the forward ones every
    /// <see cref="ForwardLengthsSampleStride"/>-th and the first of each (cell, type, tf32, regime).
    /// </summary>
    public static IEnumerable<(int Index, PlanVariant Variant)> LengthsGate(string arch, PlanDirection direction)
    {
        var seen = new HashSet<(CellKind, DataType, long?, FusedRegime)>();
        foreach (var (variant, i) in FusedPlanVariants.For(arch, direction, lengths: true).Select((variant, i) => (variant, i)))
        {
            var firstOfItsKind = seen.Add((variant.Plans[0].Request.Cell, variant.DataType, variant.Constant("FR_TF32"), variant.Regime));
            if (direction == PlanDirection.Backward || firstOfItsKind || i % ForwardLengthsSampleStride == 0)
                yield return (i + 1, variant);
        }
    }

    /// <summary>The gate's cases of one (architecture, direction, lengths); the backward without lengths adds its reductions' modules.</summary>
    private static IEnumerable<TestCaseData> Variants(string arch, PlanDirection direction, bool lengths)
    {
        IReadOnlyList<PlanVariant> all = lengths ? [] : FusedPlanVariants.For(arch, direction);
        var variants = lengths ? LengthsGate(arch, direction) : all.Select((variant, i) => (Index: i + 1, Variant: variant));
        foreach (var (index, variant) in variants)
        {
            var c = variant.Constants;
            yield return new TestCaseData(variant).SetName(string.Create(CultureInfo.InvariantCulture,
                $"Compile_{direction}{(lengths ? "_Lengths" : "")}_{arch}_{index:D3}_{variant.Regime}_{variant.Plans[0].Request.Cell}_{(variant.Constant("FR_TF32") == 1 ? "Tf32" : variant.DataType.ToString())}_D{c["FR_HEAD_SIZE"]}_P{c["FR_BLOCKS_PER_HEAD"]}_W{c["FR_WARPS"]}_Ks{c["FR_K_SPLIT"]}_Bt{c["FR_BATCH_TILE"]}_RT{c["FR_REGISTER_ROW_TILES"]}_ST{c["FR_SHARED_ROW_TILES"]}{(c.TryGetValue("FR_STREAMED_ROW_TILES", out var gt) ? $"_GT{gt}" : "")}_Hb{c["FR_HEADS_PER_BLOCK"]}"));
        }
        if (direction == PlanDirection.Backward && !lengths)
        {
            foreach (var gradients in GradientVariants(arch, all)) yield return gradients;
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

    [TestCase("sm_80")]
    [TestCase("sm_86")]
    [TestCase("sm_90")]
    public void TheLengthsPlans_AreTheFrLengthsBuilds_AndTheGateCoversEveryCellTypeAndRegime(string arch)
    {
        foreach (var direction in new[] { PlanDirection.Forward, PlanDirection.Backward })
        {
            var all = FusedPlanVariants.For(arch, direction, lengths: true);
            var gated = FusedKernelCompileTests.LengthsGate(arch, direction).Select(v => v.Variant).ToArray();
            static (CellKind, DataType, long?, FusedRegime) Group(PlanVariant v) => (v.Plans[0].Request.Cell, v.DataType, v.Constant("FR_TF32"), v.Regime);
            Assert.Multiple(() =>
            {
                Assert.That(all.All(v => v.Constant("FR_LENGTHS") == 1 && v.Plans.All(p => p.Request.Lengths)), Is.True, direction.ToString());
                Assert.That(FusedPlanVariants.For(arch, direction).All(v => v.Constant("FR_LENGTHS") is null), Is.True, "without lengths: no check");
                Assert.That(gated.Select(Group).Distinct().Order(), Is.EqualTo(all.Select(Group).Distinct().Order()), $"{arch} {direction}");
                if (direction == PlanDirection.Backward) Assert.That(gated, Has.Length.EqualTo(all.Count), "every backward lengths plan");
            });
        }
    }

    [Test]
    public void TheBackwardSweep_CoversEveryRegime_WithTheBackwardSource_AndNoReductionsInIt()
    {
        var variants = FusedPlanVariants.For("sm_90", PlanDirection.Backward);
        Assert.Multiple(() =>
        {
            Assert.That(variants.Select(v => v.Regime).Distinct().Order(),
                Is.EqualTo(new[] { FusedRegime.SingleBlock, FusedRegime.Cluster, FusedRegime.GridBarrier }));
            Assert.That(variants.Select(v => (v.Plans[0].Request.Cell, v.DataType)).Distinct().Count(), Is.EqualTo(4 * 3));
            Assert.That(variants.All(v => v.KernelName == "fr_rnn_backward" && v.SourceName == "rnn_backward" && v.CompanionKernels.Count == 0),
                Is.True, "the reductions are rnn_gradients.cu's module (decision 0028)");
            Assert.That(variants.All(v => v.Constant("FR_BACKWARD") == 1), Is.True);
        });
    }

    [Test]
    public void TheReductionsCheck_HoldsEveryKernelOfTheModule_ToTheBudget()
    {
        var variant = FusedPlanVariants.Gradients("sm_90")[0];
        CompileReport Report(int weights, int bias, int products, int biasSpill = 0) =>
            new("sm_90", false, 1, 1, new Version(11, 8), "key",
            [
                new CompiledKernel("fr_rnn_backward_weights", weights, 0, 0, 9216, 0),
                new CompiledKernel("fr_rnn_backward_bias", bias, biasSpill, 0, 1024, 0),
                new CompiledKernel("fr_rnn_gate_products", products, 0, 0, 9216, 0),
            ]);
        var budget = FusedPlanVariants.GradientRegisterBudget;
        Assert.Multiple(() =>
        {
            Assert.That(VariantCheck.Problems(variant, Report(budget, budget, budget)), Is.Empty);
            Assert.That(VariantCheck.Problems(variant, Report(budget + 1, 48, 80)).Single(), Does.Contain("fr_rnn_backward_weights uses 129 registers"));
            Assert.That(VariantCheck.Problems(variant, Report(80, 48, budget + 8)).Single(), Does.Contain("fr_rnn_gate_products (launched with fr_rnn_backward_weights) uses 136 registers"));
            Assert.That(VariantCheck.Problems(variant, Report(80, 48, 80, biasSpill: 8)).Single(), Does.Contain("fr_rnn_backward_bias (launched with fr_rnn_backward_weights) spills 8 bytes"));
        });
    }

    [TestCase("sm_70", 4)]
    [TestCase("sm_80", 16)]
    [TestCase("sm_90", 16)]
    public void TheReductionsModules_AreOnePerCellAndType_WithOnlyThoseConstants(string arch, int expected)
    {
        // every cell in fp32; from sm_80 also fp32 in tf32, bf16 and fp16 (sm_70 has no fused 16-bit or tf32 plans)
        var gradients = FusedPlanVariants.Gradients(arch);
        var backward = FusedPlanVariants.For(arch, PlanDirection.Backward).SelectMany(v => v.Plans)
            .Concat(FusedPlanVariants.For(arch, PlanDirection.Backward, lengths: true).SelectMany(v => v.Plans)).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(gradients, Has.Count.EqualTo(expected));
            Assert.That(gradients.All(v => v.SourceName == "rnn_gradients" && v.KernelName == "fr_rnn_backward_weights"
                && v.CompanionKernels.SequenceEqual(["fr_rnn_backward_bias", "fr_rnn_gate_products"])), Is.True);
            Assert.That(gradients.All(v => v.Constants.Keys.Order().SequenceEqual(v.Constant("FR_TF32") is null ? ["FR_CELL", "FR_DTYPE"] : ["FR_CELL", "FR_DTYPE", "FR_TF32"])),
                Is.True, "FR_CELL, FR_DTYPE, and FR_TF32 = 1 where a plan has it: D and NH are arguments");
            Assert.That(gradients.All(v => v.Constant("FR_TF32") is null or 1), Is.True);
            Assert.That(gradients.Select(v => v.Describe()).Distinct().Count(), Is.EqualTo(gradients.Count), "distinct");
            // every backward plan, with lengths or without, finds its module among them
            Assert.That(backward.All(plan => gradients.Any(v => v.Constants.SequenceEqual(FusedPlanVariants.GradientConstants(plan)))), Is.True);
            Assert.That(gradients.All(v => v.PredictedRegisters == FusedPlanVariants.GradientRegisterBudget), Is.True);
        });
    }

    [TestCase("sm_80", false)]
    [TestCase("sm_90", false)]
    [TestCase("sm_90", true)]
    public void EveryVariantsPlan_IsTheFirstModuleTheLibraryLoadsForIt(string arch, bool lengths)
    {
        // the gate compiles each variant's source with its constants; the library (fr_plan_module) must load the same
        NativeTestEnvironment.RequireLibrary();
        var variants = FusedPlanVariants.For(arch, PlanDirection.Forward, lengths).Concat(FusedPlanVariants.For(arch, PlanDirection.Backward, lengths));
        var mismatches = variants.SelectMany(v => v.Plans.Select(plan => (Variant: v, Plan: plan, Module: NativePlans.Modules(plan, lengths)[0])))
            .Where(x => x.Module.Source != x.Variant.SourceName || !x.Module.Constants.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .SequenceEqual(x.Plan.Constants.OrderBy(kv => kv.Key, StringComparer.Ordinal)))
            .Select(x => $"{x.Variant.Describe()}: the library loads {x.Module.Source} {KernelCompiler.Describe(x.Module.Constants)}")
            .ToArray();
        Assert.That(mismatches, Is.Empty);
    }
}
