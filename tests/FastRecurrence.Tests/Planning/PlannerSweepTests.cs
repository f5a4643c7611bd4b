using System.Collections.Concurrent;
using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;
using FastRecurrence.Planning.Models;
using FastRecurrence.Planning.Solver;

namespace FastRecurrence.Tests.Planning;

/// <summary>
/// The sweep of issue 3: every catalog GPU x cell x {fp32, bf16, fp16} x head size 16..2560 x heads {1, 4, 12} x
/// batch {1, 8, 16, 64, 256} either returns a plan that both checkers accept, or refuses with a named reason; and
/// the refusals are right where the answer is known from capacity alone.
/// </summary>
[TestFixture]
[Category("Sweep")]
public sealed class PlannerSweepTests
{
    private static readonly int[] HeadSizes = [16, 32, 64, 128, 256, 512, 768, 1024, 1536, 2048, 2560];
    private static readonly int[] HeadCounts = [1, 4, 12];
    private static readonly int[] Batches = [1, 8, 16, 64, 256];
    private static readonly DataType[] Types = [DataType.Float32, DataType.BFloat16, DataType.Float16];

    public static IEnumerable<TestCaseData> Gpus() => GpuCatalog.Names.Select(n => new TestCaseData(n).SetArgDisplayNames(n));

    [TestCaseSource(nameof(Gpus))]
    public void FusedSweep_EveryProblemHasACheckedPlanOrANamedReason(string gpuName)
    {
        var gpu = GpuCatalog.Find(gpuName);
        var requests = (from cell in Enum.GetValues<CellKind>()
                        from type in Types
                        from d in HeadSizes
                        from heads in HeadCounts
                        from batch in Batches
                        select new PlanRequest(KernelFamily.Fused, cell, type, batch, heads, d)).ToArray();
        var failures = new ConcurrentBag<string>();
        var planned = 0;
        var streamed = 0;
        Parallel.ForEach(requests, request =>
        {
            var outcome = Planner.Plan(gpu, request);
            if (outcome.Plan is { } plan)
            {
                Interlocked.Increment(ref planned);
                foreach (var problem in Planner.Check(gpu, plan).Concat(IndependentPlanChecker.Check(gpu, plan)))
                    failures.Add($"{request}: {problem}");
            }
            else
            {
                if (outcome.Attempts.Count == 0 || outcome.Attempts.Any(string.IsNullOrWhiteSpace))
                    failures.Add($"{request}: refused without a named reason");
                // Capacity alone decides some answers: R of one head beyond all on-chip storage can never be fused.
                long rBytes = (long)request.Cell.GateCount() * request.HeadSize * request.HeadSize * request.DataType.SizeInBytes();
                var has16BitMma = gpu.MmaShapes(request.DataType).Any(m => m is { M: 16, N: 8, K: 16 });
                if (rBytes <= 16 * 1024 && request.Heads <= 4 && (request.DataType == DataType.Float32 || has16BitMma))
                    failures.Add($"{request}: refused although R of a head is only {rBytes} bytes");
                if (request.DataType != DataType.Float32 && !has16BitMma && !outcome.Attempts.Any(a => a.Contains("tensor-core", StringComparison.Ordinal)))
                    failures.Add($"{request}: refused on a GPU without 16-bit mma, but not for that reason");
            }
            // R of one head beyond all on-chip storage is fused only by streaming some of its tiles from L2, and tiles
            // are streamed only where no plan keeps all of R on chip (decision 0023).
            bool streams = outcome.Plan?.Constants.ContainsKey("FR_STREAMED_ROW_TILES") == true;
            if (outcome.HasPlan && !streams && (long)request.Cell.GateCount() * request.HeadSize * request.HeadSize * request.DataType.SizeInBytes() > gpu.OnChipBytes)
                failures.Add($"{request}: planned on chip although R of one head exceeds the GPU's {gpu.OnChipBytes} on-chip bytes");
            if (streams)
            {
                Interlocked.Increment(ref streamed);
                foreach (var regime in Enum.GetValues<FusedRegime>().Where(r => r != FusedRegime.None && (r != FusedRegime.Cluster || gpu.SupportsClusters)))
                {
                    if (ConstraintSolver.Solve(new FusedRnnModel(gpu, request, regime).Model).IsSatisfiable)
                        failures.Add($"{request}: streams R tiles although the {regime} regime has a plan that keeps R on chip");
                }
            }
        });
        Assert.That(failures.Take(20), Is.Empty, $"{failures.Count} failures of {requests.Length} problems");
        var eligible = requests.Count(r => r.DataType == DataType.Float32 || gpu.MmaShapes(r.DataType).Any(m => m is { M: 16, N: 8, K: 16 }));
        Assert.That(planned, Is.GreaterThan(eligible / 4), "a good part of what the GPU's tensor cores allow is plannable");
        TestContext.Out.WriteLine($"{gpu.Name}: {planned} of {requests.Length} problems planned, {streamed} of them streaming R tiles from L2");
    }

    [Test]
    public void AlternatingFallback_PlansEverySizeOnEveryGpu()
    {
        foreach (var gpu in GpuCatalog.All)
        foreach (var d in HeadSizes.Append(4096).Append(8192))
        foreach (var type in Types.Where(t => t == DataType.Float32 || gpu.ComputeCapability.Major >= 8))
        {
            var request = new PlanRequest(KernelFamily.Alternating, CellKind.Gru, type, 64, 2, d);
            var plan = Planner.Plan(gpu, request).Require();
            Assert.That(Planner.Check(gpu, plan), Is.Empty, $"{gpu.Name} {request}");
            Assert.That(IndependentPlanChecker.Check(gpu, plan), Is.Empty, $"{gpu.Name} {request}");
        }
    }
}
