using FastRecurrence.Planning;
using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Planning;

/// <summary>
/// A plan request holds valid values however it is made (constructor, object initialiser, <c>with</c>), each bad one
/// refused by name; the planner refuses the combination no GPU runs (tf32 with 16-bit storage) in every family; and
/// the JSON of a plan still reads back.
/// </summary>
[TestFixture]
public sealed class PlanRequestValidationTests
{
    private static PlanRequest Lstm() => new(KernelFamily.Fused, CellKind.Lstm, DataType.Float32, 16, 1, 64);

    [Test]
    public void InitialisersAndWith_AreValidatedLikeTheConstructor()
    {
        Assert.Multiple(() =>
        {
            AssertRefused(() => Lstm() with { Batch = 0 }, "Batch", "expected an integer >= 1, got 0");
            AssertRefused(() => Lstm() with { Heads = -1 }, "Heads", "expected an integer >= 1, got -1");
            AssertRefused(() => new PlanRequest(KernelFamily.Scan, default, DataType.Float32, 1, 4, 64) { HeadSize = -8 }, "HeadSize", "got -8");
            AssertRefused(() => Lstm() with { TimeSteps = 0 }, "TimeSteps", "got 0");
            AssertRefused(() => Lstm() with { Direction = (PlanDirection)5 }, "Direction", "expected one of Forward, Backward, got 5");
            AssertRefused(() => Lstm() with { Family = (KernelFamily)9 }, "Family", "got 9");
            AssertRefused(() => Lstm() with { Cell = (CellKind)9 }, "Cell", "got 9");
            AssertRefused(() => Lstm() with { DataType = (DataType)9 }, "DataType", "got 9");
            AssertRefused(() => Lstm() with { Precision = (MatmulPrecision)9 }, "Precision", "got 9");
            AssertRefused(() => new PlanRequest(KernelFamily.Fused, CellKind.Lstm, DataType.Float32, 16, 1, 64, (PlanDirection)5), "direction", "got 5");
        });
    }

    [TestCase(KernelFamily.Fused)]
    [TestCase(KernelFamily.Alternating)]
    [TestCase(KernelFamily.Scan)]
    public void Tf32WithBFloat16_IsRefusedByThePlanner_InEveryFamily(KernelFamily family)
    {
        // set in this order the accessors cannot see the conflict: the planner does
        var request = Lstm() with { Precision = MatmulPrecision.Tf32, DataType = DataType.BFloat16, Family = family };
        var ex = Assert.Throws<ArgumentException>(() => Planner.Plan(GpuCatalog.Find("H100-SXM"), request));
        Assert.That(ex!.ParamName, Is.EqualTo("request.Precision"));
        Assert.That(ex.Message, Does.StartWith("request.Precision: Tf32 applies to Float32 storage only, got BFloat16"));
        Assert.That(() => Planner.PlanBest(GpuCatalog.Find("H100-SXM"), request), Throws.ArgumentException);
    }

    [Test]
    public void APlansJson_ReadsBack_AndABadRequestInItIsAFormatError()
    {
        var plan = Planner.Plan(GpuCatalog.Find("H100-SXM"), Lstm() with { Precision = MatmulPrecision.Tf32, Lengths = true }).Require();
        var json = plan.ToJson();
        Assert.That(KernelPlan.FromJson(json), Is.EqualTo(plan));
        Assert.That(() => KernelPlan.FromJson(json.Replace("\"batch\": 16", "\"batch\": 0", StringComparison.Ordinal)),
            Throws.InstanceOf<FormatException>().With.Message.Contains("batch"));
        Assert.That(() => KernelPlan.FromJson(json.Replace("\"direction\": \"Forward\"", "\"direction\": \"5\"", StringComparison.Ordinal)),
            Throws.InstanceOf<FormatException>().With.Message.Contains("direction"));
    }

    private static void AssertRefused(Func<PlanRequest> make, string name, string message)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = make(), name);
        Assert.That(ex?.ParamName, Is.EqualTo(name));
        Assert.That(ex?.Message, Does.StartWith($"{name}: ").And.Contain(message));
    }
}
