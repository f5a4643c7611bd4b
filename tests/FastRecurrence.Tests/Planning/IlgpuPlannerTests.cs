using FastRecurrence.Planning;
using FastRecurrence.Planning.Ilgpu;

namespace FastRecurrence.Tests.Planning;

/// <summary>The ILGPU planner: plans within the accelerator's limits, both weight placements, batch tiles, clear refusals.</summary>
[TestFixture]
public sealed class IlgpuPlannerTests
{
    private static readonly IlgpuDeviceLimits SimulatedCpu = new("CPU (32 x 4 x 1)", 32, 128, int.MaxValue, 1, Simulated: true);
    private static readonly IlgpuDeviceLimits TightCpu = new("CPU, 800 bytes", 32, 64, 800, 2, Simulated: true);
    private static readonly IlgpuDeviceLimits HopperLike = new("H100 through ILGPU", 32, 1024, 48 * 1024, 132);

    private static IEnumerable<TestCaseData> Everything() =>
        from limits in new[] { SimulatedCpu, TightCpu, HopperLike }
        from cell in Enum.GetValues<CellKind>()
        from shape in new (int B, int NH, int D)[] { (1, 1, 1), (3, 1, 5), (2, 3, 4), (2, 2, 8), (16, 1, 64), (16, 1, 768) }
        from direction in new[] { PlanDirection.Forward, PlanDirection.Backward }
        where limits != TightCpu || shape.D <= 8
        select new TestCaseData(limits, new RecurrentProblem(cell, shape.B, 9, shape.NH, shape.D, 1, DataType.Float32), direction);

    [TestCaseSource(nameof(Everything))]
    public void EveryPlan_FitsTheAccelerator(IlgpuDeviceLimits limits, RecurrentProblem problem, PlanDirection direction)
    {
        var plan = IlgpuPlanner.PlanRecurrent(limits, problem, direction);

        Assert.Multiple(() =>
        {
            Assert.That(plan.GroupSize % limits.WarpSize, Is.Zero, "whole warps");
            Assert.That(plan.GroupSize, Is.InRange(limits.WarpSize, limits.Simulated ? limits.MaxGroupSize : 256));
            Assert.That(plan.SharedBytes, Is.LessThanOrEqualTo(limits.MaxSharedMemoryPerGroup));
            Assert.That(plan.BatchTile, Is.InRange(1, problem.Batch));
            Assert.That(plan.BatchTiles, Is.EqualTo((problem.Batch + plan.BatchTile - 1) / plan.BatchTile));
            Assert.That(plan.Rationale, Is.Not.Empty);
            long perRow = direction == PlanDirection.Backward
                ? problem.HeadSize * (1 + 2 * problem.GateCount + 2 * problem.StateCount + problem.BiasCount)
                : problem.HeadSize * (problem.StateCount + problem.GateCount);
            Assert.That(plan.RowFloats, Is.EqualTo(plan.BatchTile * perRow));
            // rows leave shared memory only when not even one row fits there (with the weights in global memory)
            Assert.That(plan.RowsInShared, Is.EqualTo(perRow * sizeof(float) <= limits.MaxSharedMemoryPerGroup));
        });
    }

    [Test]
    public void SimulatedCpu_KeepsWeightsInSharedMemory_OneGroupPerHead()
    {
        var plan = IlgpuPlanner.PlanRecurrent(SimulatedCpu, new RecurrentProblem(CellKind.Lstm, 2, 9, 3, 4, 1, DataType.Float32), PlanDirection.Backward);
        Assert.Multiple(() =>
        {
            Assert.That(plan.WeightsInShared, Is.True);
            Assert.That(plan.BatchTiles, Is.EqualTo(1));
        });
    }

    [Test]
    public void TightSharedMemory_PutsWeightsInGlobalMemory_AndTilesTheBatch()
    {
        // backward LSTM, D = 5: R and dR need 2 * 4 * 25 floats = 800 bytes on their own
        var plan = IlgpuPlanner.PlanRecurrent(TightCpu, new RecurrentProblem(CellKind.Lstm, 3, 7, 1, 5, 1, DataType.Float32), PlanDirection.Backward);
        Assert.Multiple(() =>
        {
            Assert.That(plan.WeightsInShared, Is.False);
            Assert.That(plan.BatchTiles, Is.GreaterThan(1));
            Assert.That(plan.Rationale, Has.Some.Contain("global memory"));
        });
    }

    [Test]
    public void LargeHeads_ReadWeightsFromGlobalMemory()
    {
        var plan = IlgpuPlanner.PlanRecurrent(HopperLike, new RecurrentProblem(CellKind.Lstm, 16, 1024, 1, 768, 1, DataType.Float32), PlanDirection.Forward);
        Assert.That(plan.WeightsInShared, Is.False);
    }

    /// <summary>An LSTM head of 768 backward: one row's buffers (y, products, their gradients, two sets of state
    /// gradients, bias terms) are 52 KB, more than 48 KB, so they go to global scratch (decision 0033; refused before).
    /// The forward's row (18 KB) stays in shared memory.</summary>
    [Test]
    public void LargeLstmHeadBackward_KeepsItsRowsInGlobalScratch_TheForwardInSharedMemory()
    {
        var problem = new RecurrentProblem(CellKind.Lstm, 16, 9, 1, 768, 1, DataType.Float32);
        var backward = IlgpuPlanner.PlanRecurrent(HopperLike, problem, PlanDirection.Backward);
        var forward = IlgpuPlanner.PlanRecurrent(HopperLike, problem, PlanDirection.Forward);
        Assert.Multiple(() =>
        {
            Assert.That(backward.RowsInShared, Is.False);
            Assert.That(backward.WeightsInShared, Is.False);
            Assert.That(backward.SharedBytes, Is.Zero);
            Assert.That(backward.RowFloats, Is.EqualTo(backward.BatchTile * 768L * (1 + 8 + 4 + 4)));
            Assert.That(backward.Rationale, Has.Some.Contain("per-row buffers in global scratch: 52224 bytes per row"));
            Assert.That(forward.RowsInShared, Is.True);
            Assert.That(forward.Rationale, Has.None.Contain("global scratch"));
        });
    }

    [Test]
    public void TheSmallestSharedMemory_StillPlans_WithWeightsAndRowsInGlobalMemory()
    {
        var tiny = new IlgpuDeviceLimits("tiny", 32, 32, 16, 1);
        var plan = IlgpuPlanner.PlanRecurrent(tiny, new RecurrentProblem(CellKind.Gru, 1, 3, 1, 8, 1, DataType.Float32), PlanDirection.Forward);
        Assert.Multiple(() =>
        {
            Assert.That(plan.WeightsInShared, Is.False);
            Assert.That(plan.RowsInShared, Is.False);
            Assert.That(plan.SharedBytes, Is.LessThanOrEqualTo(16));
        });
    }

    [Test]
    public void ImpossibleLimits_AreRefusedByName() =>
        Assert.That(() => IlgpuPlanner.PlanScan(new IlgpuDeviceLimits("bad", 32, 16, 1024, 1), new ScanProblem(1, 4, 1, 4, DataType.Float32)),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contain("MaxGroupSize"));

    [TestCase(1, 1, 1)]
    [TestCase(2, 3, 7)]
    [TestCase(8, 16, 96)]
    public void ScanPlan_CoversEverySequence(int batch, int heads, int headSize)
    {
        var problem = new ScanProblem(batch, 100, heads, headSize, DataType.Float32);
        var plan = IlgpuPlanner.PlanScan(SimulatedCpu, problem);
        Assert.Multiple(() =>
        {
            Assert.That(plan.GroupSize, Is.LessThanOrEqualTo(SimulatedCpu.MaxGroupSize));
            Assert.That((long)plan.Groups * plan.WarpsPerGroup, Is.GreaterThanOrEqualTo((long)batch * heads * headSize));
        });
    }
}
