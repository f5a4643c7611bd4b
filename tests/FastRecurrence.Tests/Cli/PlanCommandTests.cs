using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Cli;

/// <summary>
/// `plan` in-process: the FlashRNN headline shape prints a fused plan with its resources and reasons, --json round-trips
/// to the planner's own plan, an impossible fused plan is refused naming the binding limit, auto falls back to
/// alternating, the scan plans without a cell, and the GPU list and input errors are right.
/// </summary>
[TestFixture]
public sealed class PlanCommandTests
{
    private static readonly string[] Headline =
        ["plan", "--gpu", "H100-SXM", "--cell", "lstm", "--hidden", "768", "--heads", "1", "--batch", "16", "--dtype", "bf16"];

    private static readonly string[] ImpossibleFused =
        ["plan", "--family", "fused", "--gpu", "A100-40GB", "--cell", "lstm", "--hidden", "2560", "--dtype", "bf16"];

    private static CliResult Run(params string[] args) => CliWorkspace.Run(args);

    private static void AssertInputError(CliResult result, params string[] fragments)
    {
        Assert.That(result.Stdout, Is.Empty);
        CliAssert.InputError(result, "error: ", fragments);
    }

    /// <summary>The row of the resource table that starts with <paramref name="what"/>, split into its words.</summary>
    private static string[] TableRow(string stdout, string what)
    {
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith(what, StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, $"the resource table has a '{what}' row:\n{stdout}");
        return line![what.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static void AssertRow(string stdout, string what, long used, long limit)
    {
        var row = TableRow(stdout, what);
        Assert.That(row[0], Is.EqualTo(used.ToString(System.Globalization.CultureInfo.InvariantCulture)), $"{what}: used");
        Assert.That(row[1], Is.EqualTo(limit.ToString(System.Globalization.CultureInfo.InvariantCulture)), $"{what}: limit");
    }

    [Test]
    public void Headline_PrintsAFusedPlanWithResourcesAndReasons()
    {
        var gpu = GpuCatalog.Find("H100-SXM");
        var expected = Planner.Plan(gpu, new PlanRequest(KernelFamily.Fused, CellKind.Lstm, DataType.BFloat16, 16, 1, 768)).Plan!;

        var result = Run(Headline);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Is.Empty);
        var stdout = result.Stdout;
        Assert.That(stdout, Does.StartWith(expected.ToString()), "the plan comes first, as KernelPlan prints it");
        Assert.That(stdout, Does.Contain("Fused Lstm Forward B=16 NH=1 D=768 BFloat16 on H100-SXM"));
        Assert.That(stdout, Does.Contain($"regime {expected.Regime}"));
        Assert.That(expected.Regime, Is.Not.EqualTo(FusedRegime.None));
        foreach (var (name, value) in expected.Constants)
            Assert.That(stdout, Does.Contain($"{name}={value}"));

        Assert.That(stdout, Does.Match(@"(?m)^what\s+used\s+limit"), "the resource table's header");
        AssertRow(stdout, "threads per block", expected.Block.Volume, gpu.MaxThreadsPerBlock);
        AssertRow(stdout, "registers per thread", expected.PredictedRegisters, gpu.MaxRegistersPerThread);
        AssertRow(stdout, "registers per block", expected.PredictedRegisters * expected.Block.Volume, gpu.MaxRegistersPerBlock);
        AssertRow(stdout, "shared memory bytes per block", expected.SharedMemoryBytes, gpu.SharedMemoryPerBlockOptIn);
        AssertRow(stdout, "blocks", expected.Grid.Volume, gpu.SmCount);
        if (expected.Cluster.Volume > 1)
            AssertRow(stdout, "cluster size (blocks)", expected.Cluster.Volume, gpu.NonPortableMaxClusterSize);
        else
            Assert.That(stdout, Does.Not.Contain("cluster size"), "no cluster row without a cluster");

        Assert.That(stdout, Does.Contain("why:"));
        foreach (var line in expected.Rationale)
            Assert.That(stdout, Does.Contain(line));
    }

    [Test]
    public void Headline_Json_IsExactlyThePlannersPlan()
    {
        var expected = Planner.Plan(GpuCatalog.Find("H100-SXM"),
            new PlanRequest(KernelFamily.Fused, CellKind.Lstm, DataType.BFloat16, 16, 1, 768)).Plan!;

        var result = Run([.. Headline, "--json"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Is.Empty);
        Assert.That(result.Stdout.TrimEnd(), Is.EqualTo(expected.ToJson()), "nothing but the JSON on stdout");
        var parsed = KernelPlan.FromJson(result.Stdout);
        Assert.That(parsed, Is.EqualTo(expected));
        Assert.That(parsed.Request.Family, Is.EqualTo(KernelFamily.Fused));
    }

    [Test]
    public void AbiJson_IsTheFrPlanOfThePlannersPlan_AndTf32ReachesThePlan()
    {
        var result = Run([.. Headline, "--abi-json"]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        using var abi = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var root = abi.RootElement;
        var expected = Planner.Plan(GpuCatalog.Find("H100-SXM"),
            new PlanRequest(KernelFamily.Fused, CellKind.Lstm, DataType.BFloat16, 16, 1, 768)).Plan!;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("source_name").GetString(), Is.EqualTo("rnn_forward"));
            Assert.That(root.GetProperty("defines").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()),
                Is.EquivalentTo(expected.Constants));
            Assert.That(root.GetProperty("grid")[0].GetInt32(), Is.EqualTo(expected.Grid.X));
            Assert.That(root.GetProperty("kind").GetString(), Is.EqualTo(expected.Regime switch
            {
                FusedRegime.Cluster => "cluster",
                FusedRegime.GridBarrier => "cooperative",
                _ => "plain",
            }));
            Assert.That(root.GetProperty("shared_bytes").GetInt64(), Is.InRange(1, expected.SharedMemoryBytes));
        });

        var tf32 = Run("plan", "--gpu", "H100-SXM", "--cell", "gru", "--hidden", "256", "--dtype", "fp32", "--tf32", "--json");
        Assert.That(tf32.ExitCode, Is.Zero, tf32.ToString());
        var plan = KernelPlan.FromJson(tf32.Stdout);
        Assert.Multiple(() =>
        {
            Assert.That(plan.Request.Precision, Is.EqualTo(MatmulPrecision.Tf32));
            Assert.That(plan.Constant("FR_TF32"), Is.EqualTo(1));
            Assert.That(Planner.Check(GpuCatalog.Find("H100-SXM"), plan), Is.Empty, "the round-tripped tf32 plan re-checks");
        });
        AssertInputError(Run("plan", "--gpu", "H100-SXM", "--cell", "gru", "--hidden", "256", "--dtype", "bf16", "--tf32"),
            "--tf32: applies to --dtype fp32 only, got bf16");
    }

    [Test]
    public void Lengths_PlansTheLengthsBuild_AndIsRefusedForTheScan()
    {
        string[] args = ["plan", "--gpu", "L4", "--cell", "rnn", "--hidden", "128", "--batch", "8", "--dtype", "bf16", "--backward"];
        var result = Run([.. args, "--lengths", "--json"]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var plan = KernelPlan.FromJson(result.Stdout);
        var expected = Planner.Plan(GpuCatalog.Find("L4"), new PlanRequest(KernelFamily.Fused, CellKind.Elman, DataType.BFloat16, 8, 1, 128,
            PlanDirection.Backward) { Lengths = true }).Require();
        Assert.Multiple(() =>
        {
            Assert.That(plan, Is.EqualTo(expected));
            Assert.That(plan.Constant("FR_LENGTHS"), Is.EqualTo(1));
        });
        var abi = Run([.. args, "--lengths", "--abi-json"]);
        Assert.That(abi.Stdout, Does.Contain("\"FR_LENGTHS\": 1"), abi.ToString());
        AssertInputError(Run("plan", "--gpu", "H100-SXM", "--family", "scan", "--hidden", "768", "--dtype", "fp32", "--lengths"),
            "--lengths: applies to the recurrent families");
    }

    [Test]
    public void GpuNameIsMatchedWithoutCaseOrDashes()
    {
        var canonical = Run([.. Headline, "--json"]);
        var spelled = Run("plan", "--gpu", "h100_sxm", "--cell", "LSTM", "--hidden", "768", "--dtype", "BF16", "--json");

        Assert.That(spelled.ExitCode, Is.Zero, spelled.ToString());
        Assert.That(spelled.Stdout, Is.EqualTo(canonical.Stdout));
    }

    [Test]
    public void ImpossibleFused_ExitsOneNamingTheBindingLimit()
    {
        var gpu = GpuCatalog.Find("A100-40GB");
        var outcome = Planner.Plan(gpu, new PlanRequest(KernelFamily.Fused, CellKind.Lstm, DataType.BFloat16, 16, 1, 2560));
        Assert.That(outcome.HasPlan, Is.False, "the premise: an LSTM head of 2560 in bf16 does not fit an A100 on chip");

        var result = Run(ImpossibleFused);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stdout, Is.Empty);
        Assert.That(result.Stderr, Does.StartWith("error: "));
        Assert.That(result.Stderr.TrimEnd(), Is.EqualTo($"error: {outcome.Reason}"), "the planner's full reason");
        Assert.That(result.Stderr, Does.Contain("registers").Or.Contain("shared memory"), "a binding limit is named");
        Assert.That(result.Stderr, Does.Contain(gpu.SharedMemoryPerBlockOptIn.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Or.Contain(gpu.MaxRegistersPerBlock.ToString(System.Globalization.CultureInfo.InvariantCulture)), "with the limit's value");
        Assert.That(result.Stderr, Does.Not.Contain(" at FastRecurrence"), "no stack trace");
    }

    [Test]
    public void ImpossibleFused_Json_PrintsNothingOnStdout()
    {
        var result = Run([.. ImpossibleFused, "--json"]);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stdout, Is.Empty);
        Assert.That(result.Stderr, Does.StartWith("error: no fused plan"));
    }

    [Test]
    public void StreamedPlan_SaysToPassRPacked_AndOnChipPlansDoNot()
    {
        var streamed = Run("plan", "--gpu", "H100-SXM", "--cell", "lstm", "--hidden", "2560", "--batch", "16", "--dtype", "bf16");
        var onChip = Run(Headline);
        Assert.Multiple(() =>
        {
            Assert.That(streamed.ExitCode, Is.Zero, streamed.ToString());
            Assert.That(streamed.Stdout, Does.StartWith("Fused Lstm Forward B=16 NH=1 D=2560 BFloat16 on H100-SXM"));
            Assert.That(streamed.Stdout, Does.Contain("R row tiles per warp from L2 at every step: pass R packed"));
            Assert.That(onChip.Stdout, Does.Not.Contain("pass R packed"));
        });
    }

    [Test]
    public void Auto_FallsBackToAlternating()
    {
        var args = ImpossibleFused.Where((_, i) => i is not (1 or 2)).ToArray(); // drop "--family fused": auto is the default
        Assert.That(args, Does.Not.Contain("--family"));

        var text = Run(args);
        var json = Run([.. args, "--json"]);

        Assert.That(text.ExitCode, Is.Zero, text.ToString());
        Assert.That(text.Stdout, Does.StartWith("Alternating Lstm Forward B=16 NH=1 D=2560 BFloat16 on A100-40GB"));
        Assert.That(text.Stdout, Does.Contain("auto: no fused plan fits"));
        Assert.That(text.Stdout, Does.Contain("SingleBlock: infeasible"), "the fused attempts are among the reasons");
        Assert.That(json.ExitCode, Is.Zero, json.ToString());
        var plan = KernelPlan.FromJson(json.Stdout);
        Assert.That(plan.Request.Family, Is.EqualTo(KernelFamily.Alternating));
        Assert.That(plan.Regime, Is.EqualTo(FusedRegime.None));
        var best = Planner.PlanBest(GpuCatalog.Find("A100-40GB"), new PlanRequest(KernelFamily.Fused, CellKind.Lstm, DataType.BFloat16, 16, 1, 2560));
        Assert.That(plan, Is.EqualTo(best.Plan));
    }

    [Test]
    public void ExplicitAlternatingFamily_PlansAlternating()
    {
        var result = Run("plan", "--gpu", "L4", "--cell", "gru", "--hidden", "512", "--heads", "4", "--batch", "8", "--dtype", "fp16",
            "--family", "alternating", "--json");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var expected = Planner.Plan(GpuCatalog.Find("L4"), new PlanRequest(KernelFamily.Alternating, CellKind.Gru, DataType.Float16, 8, 4, 128));
        Assert.That(KernelPlan.FromJson(result.Stdout), Is.EqualTo(expected.Plan));
    }

    [Test]
    public void Backward_PlansTheBackwardKernel()
    {
        var result = Run([.. Headline, "--backward", "--steps", "256", "--json"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var plan = KernelPlan.FromJson(result.Stdout);
        Assert.That(plan.Request.Direction, Is.EqualTo(PlanDirection.Backward));
        Assert.That(plan.Request.TimeSteps, Is.EqualTo(256));
        Assert.That(plan.Constant("FR_BACKWARD"), Is.EqualTo(1));
    }

    [Test]
    public void Scan_PlansWithoutACell()
    {
        var gpu = GpuCatalog.Find("H100-SXM");
        var expected = Planner.Plan(gpu, new PlanRequest(KernelFamily.Scan, default, DataType.Float32, 4, 12, 64, timeSteps: 4096)).Plan!;

        var text = Run("plan", "--gpu", "H100-SXM", "--family", "scan", "--hidden", "768", "--heads", "12", "--batch", "4",
            "--dtype", "fp32", "--steps", "4096");
        var json = Run("plan", "--gpu", "H100-SXM", "--family", "scan", "--hidden", "768", "--heads", "12", "--batch", "4",
            "--dtype", "fp32", "--steps", "4096", "--json");

        Assert.That(text.ExitCode, Is.Zero, text.ToString());
        Assert.That(text.Stdout, Does.StartWith("scan Forward B=4 T=4096 H=12 D=64 Float32 on H100-SXM"));
        Assert.That(text.Stdout, Does.Contain("FR_SCAN_THREADS=").And.Contain("why:").And.Contain("scan: feasible"));
        AssertRow(text.Stdout, "blocks", expected.Grid.Volume, gpu.SmCount);
        Assert.That(json.ExitCode, Is.Zero, json.ToString());
        var plan = KernelPlan.FromJson(json.Stdout);
        Assert.That(plan, Is.EqualTo(expected));
        Assert.That(plan.Request.Family, Is.EqualTo(KernelFamily.Scan));
    }

    [Test]
    public void Scan_AGivenCellIsCheckedButDoesNotChangeThePlan()
    {
        string[] scan = ["plan", "--gpu", "L4", "--family", "scan", "--hidden", "256", "--dtype", "fp16", "--json"];

        var without = Run(scan);
        var with = Run([.. scan, "--cell", "gru"]);
        var bad = Run([.. scan, "--cell", "mamba"]);

        Assert.That(without.ExitCode, Is.Zero, without.ToString());
        Assert.That(with.Stdout, Is.EqualTo(without.Stdout));
        AssertInputError(bad, "--cell", "'mamba'");
    }

    [Test]
    public void ListGpus_ListsEveryCatalogGpu()
    {
        var result = Run("plan", "--list-gpus");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Is.Empty);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(GpuCatalog.Names.Count + 1), "a header and one line per GPU");
        foreach (var gpu in GpuCatalog.All)
        {
            var line = lines.SingleOrDefault(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0] == gpu.Name);
            Assert.That(line, Is.Not.Null, $"{gpu.Name} is listed");
            Assert.That(line, Does.Contain(gpu.Description).And.Contain(gpu.ComputeCapability.Arch)
                .And.Contain($" {gpu.SmCount} ").And.Contain($" {gpu.SharedMemoryPerBlockOptIn} ").And.EndWith($" {gpu.RegistersPerSm}"));
        }
    }

    [Test]
    public void UnknownGpu_ListsTheKnownNames()
    {
        var result = Run("plan", "--gpu", "H100", "--cell", "lstm", "--hidden", "768", "--dtype", "bf16");

        AssertInputError(result, "--gpu", "unknown GPU 'H100'");
        foreach (var name in GpuCatalog.Names)
            Assert.That(result.Stderr, Does.Contain(name));
    }

    [Test]
    public void HiddenNotDivisibleByHeads_NamesBoth()
    {
        var result = Run("plan", "--gpu", "H100-SXM", "--cell", "lstm", "--hidden", "770", "--heads", "4", "--dtype", "bf16");

        AssertInputError(result, "--hidden 770", "--heads 4");
    }

    [TestCase("--dtype", "int8", "fp32, bf16, fp16")]
    [TestCase("--cell", "mamba", "lstm, gru, rnn, slstm")]
    [TestCase("--family", "fast", "fused, alternating, scan")]
    public void UnknownName_ListsTheChoices(string option, string value, string choices)
    {
        var args = new List<string> { "plan", "--gpu", "H100-SXM", "--cell", "lstm", "--hidden", "768", "--dtype", "bf16" };
        var at = args.IndexOf(option);
        if (at >= 0)
            args[at + 1] = value;
        else
            args.AddRange([option, value]);

        AssertInputError(Run([.. args]), option, $"'{value}'", choices);
    }

    [TestCase("--hidden", "0")]
    [TestCase("--batch", "0")]
    [TestCase("--heads", "-2")]
    [TestCase("--steps", "0")]
    public void NonPositiveSize_IsAnInputError(string option, string value)
    {
        var args = new List<string> { "plan", "--gpu", "H100-SXM", "--cell", "lstm", "--hidden", "768", "--dtype", "bf16" };
        var at = args.IndexOf(option);
        if (at >= 0)
            args[at + 1] = value;
        else
            args.AddRange([option, value]);

        AssertInputError(Run([.. args]), option, "positive");
    }

    /// <summary>Sizes near int.MaxValue made the planner print negative grids (integer overflow) and exit 0.</summary>
    [TestCase("--batch", "2147483647", "lstm")]
    [TestCase("--hidden", "2147483647", "scan")]
    [TestCase("--steps", "16777217", "lstm")]
    [TestCase("--heads", "33554432", "lstm")]
    public void SizePastTheLimit_IsRefused_NamingTheOptionAndTheLimit(string option, string value, string family)
    {
        var args = new List<string> { "plan", "--gpu", "H100-SXM", "--hidden", "768", "--dtype", "bf16" };
        args.AddRange(family == "scan" ? ["--family", "scan"] : ["--cell", family]);
        var at = args.IndexOf(option);
        if (at >= 0)
            args[at + 1] = value;
        else
            args.AddRange([option, value]);

        AssertInputError(Run([.. args]), $"{option}: ", "16777216", value);
    }

    [Test]
    public void ProblemPastTheElementLimit_IsRefused_NamingTheSizes()
    {
        var result = Run("plan", "--gpu", "H100-SXM", "--family", "scan", "--dtype", "fp32", "--hidden", "16777216", "--heads", "16777216",
            "--batch", "16777216", "--steps", "16777216");

        AssertInputError(result, "--batch 16777216, --steps 16777216, --hidden 16777216", "B * T * H = 4.722e+21 elements", "2^40");
    }

    /// <summary>
    /// Problems at the limits (each size at 2^24, B * T * H at 2^40), in every family and direction, with one head and
    /// with as many heads as H: a plan whose numbers are non-negative (the grid, the blocks, the cost), or a refusal
    /// saying why; never an overflow (all sizes at 2^24 overflowed the scan's cost, hence the element limit).
    /// </summary>
    [TestCase("auto", "lstm", "bf16", false)]
    [TestCase("fused", "gru", "fp16", true)]
    [TestCase("alternating", "slstm", "fp32", false)]
    [TestCase("alternating", "rnn", "fp64", true)]
    [TestCase("scan", null, "fp32", false)]
    [TestCase("scan", null, "bf16", true)]
    public void SizesAtTheLimits_PlanWithoutOverflow_OrSayWhyNot(string family, string? cell, string dtype, bool backward)
    {
        const string Max = "16777216", Small = "65536", One = "1";
        foreach (var (batch, steps, hidden, heads) in new[]
        {
            (Max, Small, One, One), (Small, Max, One, One), (One, Small, Max, One), (One, Small, Max, Max), (Max, One, Small, Small),
            (Small, One, Max, One),
        })
        {
            var args = new List<string> { "plan", "--gpu", "H100-SXM", "--family", family, "--dtype", dtype, "--hidden", hidden, "--heads", heads, "--batch", batch, "--steps", steps };
            if (cell is not null) args.AddRange(["--cell", cell]);
            if (backward) args.Add("--backward");
            var result = Run([.. args]);
            var call = $"`{string.Join(' ', args)}`: {result}";

            Assert.That(result.ExitCode, Is.AnyOf(0, 1), call);
            if (result.ExitCode == 1)
            {
                Assert.That(result.Stderr, Does.StartWith("error: ").And.Not.Contain("Exception"), call);
                continue;
            }
            // an overflow shows as a negative number
            Assert.That(result.Stdout, Does.Match(@"grid \(\d+, \d+, \d+\)").And.Match(@"predicted cost \d+"), call);
            Assert.That(long.Parse(TableRow(result.Stdout, "blocks")[0], System.Globalization.CultureInfo.InvariantCulture), Is.Positive, call);
        }
    }

    [Test]
    public void JsonAndAbiJson_AreRefusedTogether()
    {
        var result = Run([.. Headline, "--json", "--abi-json"]);

        AssertInputError(result, "--json", "--abi-json", "choose one");
    }

    [Test]
    public void MissingProblemOptions_AreSyntaxErrors()
    {
        var noGpu = Run("plan", "--cell", "lstm", "--hidden", "768", "--dtype", "bf16");
        var noCell = Run("plan", "--gpu", "H100-SXM", "--hidden", "768", "--dtype", "bf16");

        Assert.That(noGpu.ExitCode, Is.EqualTo(2), noGpu.ToString());
        Assert.That(noGpu.Stderr, Does.StartWith("error: ").And.Contain("--gpu"));
        Assert.That(noCell.ExitCode, Is.EqualTo(2), noCell.ToString());
        Assert.That(noCell.Stderr, Does.StartWith("error: ").And.Contain("--cell"));
    }

    [Test]
    public void Fp64Fused_IsRefusedWithTheReason()
    {
        var result = Run("plan", "--gpu", "H100-SXM", "--cell", "rnn", "--hidden", "64", "--dtype", "fp64", "--family", "fused");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr, Does.StartWith("error: ").And.Contain("Float64"));
    }
}
