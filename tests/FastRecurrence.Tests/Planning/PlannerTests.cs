using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Planning;

/// <summary>The planner on named cases: the FlashRNN headline shape, refusals with reasons, JSON, checking.</summary>
[TestFixture]
public sealed class PlannerTests
{
    private static readonly GpuSpec H100 = GpuCatalog.Find("H100-SXM");
    private static readonly GpuSpec A100 = GpuCatalog.Find("A100-40GB");

    private static PlanRequest Headline(PlanDirection direction = PlanDirection.Forward) =>
        new(KernelFamily.Fused, CellKind.Lstm, DataType.BFloat16, batch: 16, heads: 1, headSize: 768, direction);

    [TestCase(PlanDirection.Forward)]
    [TestCase(PlanDirection.Backward)]
    public void HeadlineShape_OnH100_HasACheckedFusedPlanAcrossBlocks(PlanDirection direction)
    {
        var outcome = Planner.Plan(H100, Headline(direction));
        Assert.That(outcome.HasPlan, Is.True, () => outcome.Reason!);
        var plan = outcome.Plan!;
        Assert.Multiple(() =>
        {
            Assert.That(plan.Regime, Is.AnyOf(FusedRegime.Cluster, FusedRegime.GridBarrier), "R of a 768 head (4.7 MB) cannot fit one SM");
            Assert.That(plan.Constant("FR_HEAD_SIZE"), Is.EqualTo(768));
            Assert.That(Planner.Check(H100, plan), Is.Empty);
            Assert.That(IndependentPlanChecker.Check(H100, plan), Is.Empty);
            Assert.That(plan.Rationale, Has.Some.Contains("chosen"));
        });
    }

    [Test]
    public void TwelveSmallHeads_RunOneBlockPerHeadWithoutAGridBarrier()
    {
        var plan = Planner.Plan(H100, Headline() with { Heads = 12, HeadSize = 64 }).Require();
        Assert.That(plan.Regime, Is.EqualTo(FusedRegime.SingleBlock));
        Assert.That(IndependentPlanChecker.Check(H100, plan), Is.Empty);
    }

    [Test]
    public void LstmHead2560Bf16_DoesNotFitAnA100OnChip_AndSaysWhy()
    {
        var request = Headline() with { HeadSize = 2560 };
        var outcome = Planner.Plan(A100, request);
        Assert.That(outcome.HasPlan, Is.False);
        Assert.That(outcome.Reason, Does.StartWith("no fused plan for").And.Contain("R of one head is 52428800 bytes")
            .And.Contain("SingleBlock:").And.Contain("GridBarrier:").And.Contain("registers").And.Contain("shared memory"));
        // The on-chip capacity of the whole A100 (45 MB) is below R (52 MB): the refusal is right, not an artefact.
        Assert.That(A100.OnChipBytes, Is.LessThan(52428800L));
        // Streaming does not rescue it: what does not fit on chip is more than 7/8 of the A100's 40 MB L2.
        Assert.That(outcome.Reason, Does.Contain("with R tiles streamed from L2:").And.Contain("fit in 7/8 of the"));
        // And every size still works through the alternating fallback.
        var fallback = Planner.PlanBest(A100, request).Require();
        Assert.That(fallback.Request.Family, Is.EqualTo(KernelFamily.Alternating));
        Assert.That(IndependentPlanChecker.Check(A100, fallback), Is.Empty);
    }

    [Test]
    public void LstmHead2560Bf16_OnH100_RunsFused_StreamingTheTilesThatDoNotFitFromL2()
    {
        var request = Headline() with { HeadSize = 2560 };
        var outcome = Planner.Plan(H100, request);
        Assert.That(outcome.HasPlan, Is.True, () => outcome.Reason!);
        var plan = outcome.Plan!;
        long rt = plan.Constant("FR_REGISTER_ROW_TILES"), st = plan.Constant("FR_SHARED_ROW_TILES"), gt = plan.Constant("FR_STREAMED_ROW_TILES");
        long rowWarps = plan.Constant("FR_WARPS") / plan.Constant("FR_K_SPLIT");
        Assert.Multiple(() =>
        {
            Assert.That(plan.Regime, Is.EqualTo(FusedRegime.GridBarrier));
            Assert.That(gt, Is.GreaterThan(0), "R (52 MB) is more than the blocks can hold on chip");
            Assert.That(rt + st, Is.GreaterThan(0), "what fits stays on chip");
            // every block of the head streams its own share, and all of it fits in 7/8 of the 50 MB L2
            Assert.That(plan.Grid.X * rowWarps * gt * 16 * 2560 * 2, Is.LessThanOrEqualTo(H100.L2CacheBytes * 7 / 8));
            Assert.That(plan.Grid.Z, Is.EqualTo(1), "B 16 in one batch tile: one copy of the on-chip share");
            Assert.That(plan.Rationale, Has.Some.Contains("(R tiles streamed from L2): feasible"));
            Assert.That(Planner.Check(H100, plan), Is.Empty);
            Assert.That(IndependentPlanChecker.Check(H100, plan), Is.Empty);
        });
        // Its backward, which never streams, is refused (and runs on the alternating fallback).
        Assert.That(Planner.Plan(H100, request with { Direction = PlanDirection.Backward }).HasPlan, Is.False);
        // A head that fits on chip never streams: the headline shape's plan names no streamed tiles.
        Assert.That(Planner.Plan(H100, Headline()).Require().Constants.ContainsKey("FR_STREAMED_ROW_TILES"), Is.False);
    }

    [Test]
    public void Float64_IsRefusedForFusedKernelsWithTheReason()
    {
        var outcome = Planner.Plan(H100, Headline() with { DataType = DataType.Float64 });
        Assert.That(outcome.Reason, Does.Contain("Float32, BFloat16 or Float16"));
    }

    [TestCase("V100")]
    [TestCase("T4")]
    public void SixteenBitStorage_IsRefusedWithoutTheTensorCoreMma(string gpuName)
    {
        var gpu = GpuCatalog.Find(gpuName);
        foreach (var family in new[] { KernelFamily.Fused, KernelFamily.Alternating })
        {
            var outcome = Planner.Plan(gpu, Headline() with { Family = family, HeadSize = 64 });
            Assert.That(outcome.Reason, Does.Contain("no m16n8k16 BFloat16 tensor-core mma"), $"{family}");
        }
        Assert.That(Planner.Plan(gpu, Headline() with { DataType = DataType.Float32, HeadSize = 64 }).HasPlan, Is.True);
    }

    [TestCase(1)]
    [TestCase(1000)]
    [TestCase(16384)]
    public void ScanPlans_ForTheBenchmarkShape(int steps)
    {
        foreach (var direction in Enum.GetValues<PlanDirection>())
        {
            var request = new PlanRequest(KernelFamily.Scan, CellKind.Lstm, DataType.Float32, 8, 16, 96, direction, steps);
            var plan = Planner.Plan(H100, request).Require();
            Assert.That(Planner.Check(H100, plan), Is.Empty);
            Assert.That(IndependentPlanChecker.Check(H100, plan), Is.Empty);
            Assert.That(plan.Constant("FR_SCAN_CHUNK"), Is.LessThanOrEqualTo(Math.Max(32, steps)));
        }
    }

    [Test]
    public void ScanPlans_PastTheGridsLimit_CapItsZ_ForSlicedLaunches()
    {
        var request = new PlanRequest(KernelFamily.Scan, CellKind.Lstm, DataType.Float32, 70000, 2, 64, PlanDirection.Forward, 16);
        var plan = Planner.Plan(H100, request).Require();
        Assert.That(plan.Grid.Z, Is.EqualTo(65535), "the launcher runs the grid once per slice of 65535 sequences");
        Assert.That(Planner.Check(H100, plan), Is.Empty);
        Assert.That(IndependentPlanChecker.Check(H100, plan), Is.Empty);
    }

    [Test]
    public void RecurrentPlans_KeepTheirGridsWithinCudasLimits()
    {
        // ceil(B / batch tile) blocks in z: a batch past 65535 tiles has no plan whose tiles fit, and the reason says so
        var fused = Headline() with { Batch = 65535 * 64 + 1 };
        var outcome = Planner.Plan(H100, fused);
        Assert.That(outcome.HasPlan, Is.False);
        Assert.That(outcome.Reason, Does.Contain("ceil(B / batch tile) <= 65535"));
        // the alternating fallback's tiles go up to 128 columns
        var alternating = fused with { Family = KernelFamily.Alternating, Batch = 65535 * 128 + 1 };
        var alternatingOutcome = Planner.Plan(H100, alternating);
        Assert.That(alternatingOutcome.HasPlan, Is.False);
        Assert.That(alternatingOutcome.Reason, Does.Contain("ceil(B / tile columns) <= 65535"));
        // within the limit the planner still finds a plan, inside the grid
        var plan = Planner.Plan(H100, Headline() with { Batch = 65535 * 8, HeadSize = 64 }).Require();
        Assert.That(plan.Grid.Z, Is.LessThanOrEqualTo(65535));
        Assert.That(IndependentPlanChecker.Check(H100, plan), Is.Empty);
    }

    [TestCase(KernelFamily.Scan, int.MaxValue, 1, 64, 1024)]
    [TestCase(KernelFamily.Scan, 8, 1, int.MaxValue, 1024)]
    [TestCase(KernelFamily.Scan, 1 << 24, 1 << 12, 1 << 12, 1 << 24)]
    [TestCase(KernelFamily.Scan, int.MaxValue, int.MaxValue, 1, int.MaxValue)]
    [TestCase(KernelFamily.Fused, int.MaxValue, 1, 64, 1024)]
    [TestCase(KernelFamily.Alternating, int.MaxValue, 1, 64, int.MaxValue)]
    [TestCase(KernelFamily.Alternating, 16, 1, 1 << 20, 1024)]
    // near the 2^48-element limit of the largest tensor (a recurrence's reserve is 6 to 8 times B T NH D): every model's
    // cost still in range
    [TestCase(KernelFamily.Scan, 1 << 20, 1, 1 << 12, 1 << 16)]
    [TestCase(KernelFamily.Scan, 1, 1 << 16, 1, int.MaxValue)]
    [TestCase(KernelFamily.Fused, 1 << 17, 1, 64, 1 << 22)]
    [TestCase(KernelFamily.Fused, 1, 1, 1 << 14, int.MaxValue)]
    [TestCase(KernelFamily.Alternating, 1 << 13, 1, 1 << 12, 1 << 20)]
    [TestCase(KernelFamily.Alternating, 1, 1, 1 << 16, 1 << 29)]
    public void ExtremeSizes_GiveAPlanInsideTheGridOrARefusal_NeverAnOverflow(KernelFamily family, int batch, int heads, int headSize,
        int steps)
    {
        var request = new PlanRequest(family, CellKind.Lstm, family == KernelFamily.Scan ? DataType.Float32 : DataType.BFloat16,
            batch, heads, headSize, PlanDirection.Forward, steps);
        var outcome = Planner.Plan(H100, request);
        if (!outcome.HasPlan)
        {
            Assert.That(outcome.Reason, Is.Not.Empty);
            return;
        }
        var plan = outcome.Require();
        Assert.That(IndependentPlanChecker.Check(H100, plan), Is.Empty, plan.ToString());
    }

    [Test]
    public void RecurrentPlans_StayWithinTheLibrarysRanges_OfHeadsAndHeadSize()
    {
        var heads = Planner.Plan(H100, new PlanRequest(KernelFamily.Fused, CellKind.Elman, DataType.Float32, 8, 131072, 1));
        Assert.That(heads.HasPlan, Is.False, "libfastrecurrence takes FR_HEADS in 1..65535");
        Assert.That(heads.Reason, Does.Contain("FR_HEADS"));
        var headSize = Planner.Plan(H100, new PlanRequest(KernelFamily.Alternating, CellKind.Lstm, DataType.BFloat16, 8, 1, 131072));
        Assert.That(headSize.HasPlan, Is.False, "libfastrecurrence takes FR_HEAD_SIZE in 1..65536");
        Assert.That(headSize.Reason, Does.Contain("FR_HEAD_SIZE"));
        var tooLarge = Planner.Plan(H100, new PlanRequest(KernelFamily.Fused, CellKind.Lstm, DataType.BFloat16, 1 << 20, 1, 64,
            PlanDirection.Forward, 1 << 22));
        Assert.That(tooLarge.Reason, Does.Contain("the training reserve").And.Contain("2^48"));
    }

    [Test]
    public void Plan_IsDeterministic_AndRoundTripsThroughJson()
    {
        var first = Planner.Plan(H100, Headline()).Require();
        var second = Planner.Plan(H100, Headline()).Require();
        Assert.That(second, Is.EqualTo(first));
        Assert.That(second.GetHashCode(), Is.EqualTo(first.GetHashCode()));
        var json = first.ToJson();
        Assert.That(json, Does.Contain("\"version\": 1").And.Contain("\"FR_BLOCKS_PER_HEAD\""));
        var back = KernelPlan.FromJson(json);
        Assert.That(back, Is.EqualTo(first));
        Assert.That(back.Defines(), Is.EqualTo(first.Defines()));
        Assert.That(first.Defines(), Has.All.Match("^-DFR_[A-Z0-9_]+=-?[0-9]+$"));
    }

    [Test]
    public void FromJson_RejectsOtherVersionsAndGarbage()
    {
        var json = Planner.Plan(H100, Headline()).Require().ToJson().Replace("\"version\": 1", "\"version\": 99", StringComparison.Ordinal);
        Assert.That(() => KernelPlan.FromJson(json), Throws.TypeOf<FormatException>().With.Message.Contains("version 99"));
        Assert.That(() => KernelPlan.FromJson("{}"), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void FromJson_ADimensionOfTwoNumbers_IsAFormatError()
    {
        var json = Planner.Plan(H100, Headline()).Require().ToJson();
        var grid = System.Text.RegularExpressions.Regex.Match(json, "\"grid\": \\[\\s*(\\d+),\\s*(\\d+),\\s*(\\d+)\\s*\\]");
        Assert.That(grid.Success, Is.True, $"the plan's JSON has a grid: {json}");
        var twoNumbers = json.Replace(grid.Value, $"\"grid\": [{grid.Groups[1].Value}, {grid.Groups[2].Value}]", StringComparison.Ordinal);
        Assert.That(() => KernelPlan.FromJson(twoNumbers), Throws.TypeOf<FormatException>().With.Message.Contains("3 numbers"));
    }

    [Test]
    public void Check_AZeroKSplit_IsAViolation_NotAnException()
    {
        var json = Planner.Plan(H100, Headline()).Require().ToJson();
        var plan = KernelPlan.FromJson(json);
        var split = plan.Constant("FR_K_SPLIT");
        var tampered = KernelPlan.FromJson(json.Replace($"\"FR_K_SPLIT\": {split}", "\"FR_K_SPLIT\": 0", StringComparison.Ordinal));
        Assert.That(tampered.Constant("FR_K_SPLIT"), Is.Zero);
        Assert.That(Planner.Check(H100, tampered), Has.Some.Contains("FR_K_SPLIT"));
    }

    [Test]
    public void Float64_HasNoGpuPlan_InEitherRecurrentFamily()
    {
        // the kernels store fp32, bf16 or fp16 (fr_storage.cuh); a Float64 alternating plan once came back and failed to compile
        var request = Headline() with { DataType = DataType.Float64, Precision = MatmulPrecision.Exact, HeadSize = 768 };
        Assert.Multiple(() =>
        {
            foreach (var family in new[] { KernelFamily.Fused, KernelFamily.Alternating })
            {
                var outcome = Planner.Plan(H100, request with { Family = family });
                Assert.That(outcome.HasPlan, Is.False, family.ToString());
                Assert.That(outcome.Reason, Does.Contain("Float64 runs on the CPU reference"), family.ToString());
            }
            Assert.That(Planner.PlanBest(H100, request).HasPlan, Is.False, "PlanBest");
        });
    }

    [Test]
    public void Plan_ForTheMostHeadsARequestTakes_RefusesWithoutEnumeratingThem()
    {
        // the fused model once listed every integer up to NH to find its divisors (68 s for NH = 2^31 - 1)
        var request = new PlanRequest(KernelFamily.Fused, CellKind.Elman, DataType.Float32, batch: 1, heads: int.MaxValue, headSize: 1,
            PlanDirection.Forward);
        var outcome = Planner.PlanBest(H100, request);
        Assert.That(outcome.HasPlan, Is.False, "2^31 - 1 heads exceed the grid");
    }

    [Test]
    public void Check_FindsATamperedPlan()
    {
        var json = Planner.Plan(H100, Headline()).Require().ToJson();
        var plan = KernelPlan.FromJson(json);
        var warps = plan.Constant("FR_WARPS");
        var tampered = KernelPlan.FromJson(json.Replace($"\"FR_WARPS\": {warps}", $"\"FR_WARPS\": {warps * 2}", StringComparison.Ordinal));
        Assert.That(Planner.Check(H100, tampered), Is.Not.Empty);
        Assert.That(Planner.Check(A100, plan), Has.Some.Contains("not A100-40GB"));
    }

    [Test]
    public void LengthsRequest_PlansTheLengthsBuild_WithItsCheckInTheRegisterCap()
    {
        // The plan whose build without lengths uses all 200 registers of its cap (L4, sm_89; the compile gate), where
        // the FR_LENGTHS build spilled at that cap: with lengths the cap has room for the check.
        var l4 = GpuCatalog.Find("L4");
        var request = new PlanRequest(KernelFamily.Fused, CellKind.Elman, DataType.BFloat16, batch: 8, heads: 1, headSize: 128,
            PlanDirection.Backward);
        var without = Planner.Plan(l4, request).Require();
        var with = Planner.Plan(l4, request with { Lengths = true }).Require();
        Assert.Multiple(() =>
        {
            Assert.That(without.Constants.ContainsKey("FR_LENGTHS"), Is.False, "calls without lengths keep the build without the check");
            Assert.That(with.Constant("FR_LENGTHS"), Is.EqualTo(1));
            Assert.That(with.PredictedRegisters, Is.GreaterThan(without.PredictedRegisters));
            Assert.That(with.Constant("FR_MAX_REGISTERS"), Is.EqualTo(with.PredictedRegisters));
            Assert.That(Planner.Check(l4, with), Is.Empty);
            Assert.That(IndependentPlanChecker.Check(l4, with), Is.Empty);
            var back = KernelPlan.FromJson(with.ToJson());
            Assert.That(back, Is.EqualTo(with), "the request's lengths survive the JSON");
            Assert.That(back.Request.Lengths, Is.True);
            Assert.That(with.Request.ToString(), Does.EndWith(" lengths"));
        });
    }

    [Test]
    public void LengthsRequest_OnTheAlternatingFallback_AddsNoConstant()
    {
        // The alternating kernels check lengths in every build.
        var request = Headline() with { HeadSize = 2560, Lengths = true };
        var fallback = Planner.PlanBest(A100, request).Require();
        Assert.Multiple(() =>
        {
            Assert.That(fallback.Request.Family, Is.EqualTo(KernelFamily.Alternating));
            Assert.That(fallback.Constants.ContainsKey("FR_LENGTHS"), Is.False);
        });
    }

    [Test]
    public void PlanRequest_ValidatesSizes()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PlanRequest(KernelFamily.Fused, CellKind.Gru, DataType.Float16, 0, 1, 64));
        Assert.That(ex!.Message, Does.StartWith("batch: expected an integer >= 1"));
    }
}
