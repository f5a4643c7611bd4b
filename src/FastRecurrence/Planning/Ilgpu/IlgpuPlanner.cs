using System.Globalization;
using FastRecurrence.Planning.Solver;

namespace FastRecurrence.Planning.Ilgpu;

/// <summary>
/// Sizes the ILGPU kernels for an accelerator with the constraint solver (the same one the CUDA planner uses):
/// group size (multiples of the warp, at most the accelerator's group limit), batch rows per group, and whether the
/// recurrent weights live in shared memory, subject to the accelerator's shared memory per group; the objective is
/// the serial work of the busiest multiprocessor over the sequence.
/// </summary>
/// <remarks>
/// Shared memory per group, in floats (the kernels' layouts, src/FastRecurrence.Ilgpu/Kernels):
/// forward  W + bt (S D + G D), backward 2 W + bt (D + 2 G D + 2 S D + Gb D), with W = G D D when the weights are in
/// shared memory, else 0; the bt rows' part is 0 when they live in global scratch instead (a head whose single row
/// does not fit, e.g. an LSTM backward of 768: docs/decisions/0033). There is no grid-wide barrier in ILGPU's CPU and
/// OpenCL accelerators, so a head is never split across groups: a head too large for shared memory keeps its weights
/// in global memory (docs/decisions/0011).
/// </remarks>
public static class IlgpuPlanner
{
    /// <summary>Larger than any plan's cost: a plan with its rows in shared memory always wins when one exists.</summary>
    private const long RowsInGlobalPenalty = 1L << 50;

    /// <summary>The plan for a recurrent problem; throws <see cref="PlanningException"/> naming the limits when none fits.</summary>
    public static IlgpuRecurrentPlan PlanRecurrent(IlgpuDeviceLimits device, RecurrentProblem problem, PlanDirection direction)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(problem);
        device.Validate();
        long d = problem.HeadSize, g = problem.GateCount, s = problem.StateCount, gb = problem.BiasCount;
        bool backward = direction == PlanDirection.Backward;
        long weights = g * d * d;

        var m = new ConstraintModel();
        // On a GPU, at most 256 threads: ILGPU emits no launch bound, so a group of 1024 could need more registers per
        // thread than the SM gives it (64) and fail to launch; 256 leaves 255 registers to the compiler.
        int groupLimit = device.Simulated ? device.MaxGroupSize : Math.Min(device.MaxGroupSize, Math.Max(256, device.WarpSize));
        int maxGroup = groupLimit / device.WarpSize * device.WarpSize;
        var group = m.NewVar("threads per group", Domain.MultipleOf(device.WarpSize, device.WarpSize, maxGroup), ValueOrder.Descending);
        var tile = m.NewVar("batch rows per group", Domain.Range(1, problem.Batch), ValueOrder.Descending);
        var inShared = m.NewVar("weights in shared memory", Domain.Range(0, 1), ValueOrder.Descending);
        var rowsShared = m.NewVar("per-row buffers in shared memory", Domain.Range(0, 1), ValueOrder.Descending);

        long perRow = backward ? d + 2 * g * d + 2 * s * d + gb * d : s * d + g * d;
        Expr shared = inShared * ((backward ? 2 : 1) * weights) + rowsShared * (tile * perRow);
        long sharedLimit = device.MaxSharedMemoryPerGroup / sizeof(float);
        m.Require(shared <= sharedLimit, string.Create(CultureInfo.InvariantCulture,
            $"shared memory per group <= {device.MaxSharedMemoryPerGroup} bytes ({device.Name})"));
        // the kernels index a group's rows with int
        m.Require(tile * perRow <= int.MaxValue, "a group's per-row buffers <= 2^31 - 1 floats");

        // Serial work of one group per step: the recurrent product (bt G D outputs of D terms, twice as costly from
        // global memory), and backward its transpose and the weight-gradient update; spread over the group's threads.
        Expr product = Expr.CeilDiv(tile * (g * d * d), group) * (3 - inShared);
        Expr perStep = backward ? product * 3 + Expr.CeilDiv(tile * (d * 8), group) : product + Expr.CeilDiv(tile * (d * 4), group);
        // rows in global scratch: each step's reads and writes of them go through the caches, about twice the price
        perStep += Expr.CeilDiv(tile * perRow, group) * (1 - rowsShared) * 2;
        Expr groups = Expr.CeilDiv(problem.Batch, tile) * problem.Heads;
        Expr waves = Expr.CeilDiv(groups, device.Multiprocessors);
        // per step: the work, plus the price of the barriers (on the CPU accelerator, one OS thread per simulated
        // thread: proportional to the group), times the waves of groups
        Expr barrier = device.Simulated ? group * 4 : (Expr)32L;
        // rows in global scratch only when not even one row fits beside the weights' choice: a fallback, never a trade
        Expr cost = waves * (perStep + (backward ? 5 : 2) * barrier) + (1 - rowsShared) * RowsInGlobalPenalty;
        m.Minimize(cost);

        var result = ConstraintSolver.Solve(m);
        if (result.Best is not { } best)
            throw new PlanningException($"no ILGPU {direction} plan for {problem} on {device.Name}: {result.ShortExplanation}");
        int groupSize = (int)best[group];
        int batchTile = (int)best[tile];
        bool weightsShared = best[inShared] == 1;
        bool rowsInShared = best[rowsShared] == 1;
        long sharedFloats = shared.Evaluate(best.Values);
        var rationale = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"{groupSize} threads per group (warp {device.WarpSize}, limit {device.MaxGroupSize})"),
            string.Create(CultureInfo.InvariantCulture, $"{batchTile} of {problem.Batch} batch rows per group: {groups.Evaluate(best.Values)} groups on {device.Multiprocessors} multiprocessors"),
            weightsShared
                ? string.Create(CultureInfo.InvariantCulture, $"recurrent weights in shared memory ({sharedFloats * sizeof(float)} of {device.MaxSharedMemoryPerGroup} bytes)")
                : string.Create(CultureInfo.InvariantCulture, $"recurrent weights read from global memory: {(backward ? 2 : 1) * weights * sizeof(float)} bytes do not fit beside the states in {device.MaxSharedMemoryPerGroup} bytes"),
        };
        if (!rowsInShared)
            rationale.Add(string.Create(CultureInfo.InvariantCulture,
                $"per-row buffers in global scratch: {perRow * sizeof(float)} bytes per row do not fit in {device.MaxSharedMemoryPerGroup} bytes"));
        return new IlgpuRecurrentPlan(groupSize, batchTile, weightsShared, sharedFloats, (problem.Batch + batchTile - 1) / batchTile, rationale,
            rowsInShared, batchTile * perRow);
    }

    /// <summary>The plan for a scan: warps per group (sequences per group), as many as the group limit allows.</summary>
    public static IlgpuScanPlan PlanScan(IlgpuDeviceLimits device, ScanProblem problem)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(problem);
        device.Validate();
        long sequences = (long)problem.Batch * problem.Heads * problem.HeadSize;
        var m = new ConstraintModel();
        var warps = m.NewVar("warps per group", Domain.Range(1, Math.Max(1, device.MaxGroupSize / device.WarpSize)), ValueOrder.Descending);
        m.Require(warps <= Math.Max(1, sequences), "no more warps than sequences");
        Expr groups = Expr.CeilDiv(sequences, warps);
        // waves of groups, each wave walking T in warp-wide chunks
        m.Minimize(Expr.CeilDiv(groups, device.Multiprocessors) * 1000 + warps);
        var result = ConstraintSolver.Solve(m);
        if (result.Best is not { } best)
            throw new PlanningException($"no ILGPU scan plan for {problem} on {device.Name}: {result.ShortExplanation}");
        int w = (int)best[warps];
        return new IlgpuScanPlan(device.WarpSize, w, (int)((sequences + w - 1) / w),
        [
            string.Create(CultureInfo.InvariantCulture, $"one warp of {device.WarpSize} per sequence, {w} per group"),
            string.Create(CultureInfo.InvariantCulture, $"{sequences} sequences of {problem.TimeSteps} steps in chunks of {device.WarpSize}"),
        ]);
    }
}
