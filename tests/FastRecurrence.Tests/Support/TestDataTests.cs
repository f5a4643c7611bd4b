using NUnit.Framework.Constraints;

namespace FastRecurrence.Tests.Support;

/// <summary>The comparisons the suites rely on fail for outputs of the wrong length or holding NaN.</summary>
[TestFixture]
public sealed class TestDataTests
{
    [Test]
    public void MaxAbsDifference_OfDifferentLengths_Throws()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => TestData.MaxAbsDifference([], [1.0, 2.0]), Throws.ArgumentException, "an empty output");
            Assert.That(() => TestData.MaxAbsDifference([1.0], [1.0, 2.0]), Throws.ArgumentException, "a short output");
            Assert.That(() => TestData.MaxAbsDifference([1.0, 2.0, 3.0], [1.0, 2.0]), Throws.ArgumentException, "a long output");
        });
    }

    [Test]
    public void MaxAbsDifference_WithNaN_IsInfinite()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TestData.MaxAbsDifference([double.NaN, 1.0], [0.0, 1.0]), Is.EqualTo(double.PositiveInfinity));
            Assert.That(TestData.MaxAbsDifference([0.0, 1.0], [0.0, double.NaN]), Is.EqualTo(double.PositiveInfinity));
            Assert.That(TestData.MaxAbsDifference([0.5, 1.0], [0.0, 1.25]), Is.EqualTo(0.5));
        });
    }

    [Test]
    public void ErrorBounds_FailNaN_WhereNUnitsOrderingPassesIt()
    {
        static bool Passes(IResolveConstraint bound, double value) => bound.Resolve().ApplyTo(value).IsSuccess;
        Assert.Multiple(() =>
        {
            // why Error exists: NUnit orders NaN below every bound
            Assert.That(Passes(Is.LessThanOrEqualTo(1e-6), double.NaN), Is.True, "NUnit's LessThanOrEqualTo passes NaN");
            Assert.That(Passes(Error.AtMost(1e-6), double.NaN), Is.False, "AtMost fails NaN");
            Assert.That(Passes(Error.Below(1e-12), Math.Max(0.0, double.NaN)), Is.False, "Below fails NaN");
            Assert.That(Passes(Error.AtMost(1e-6), 2e-6), Is.False, "AtMost fails a larger error");
            Assert.That(Passes(Error.Below(1e-6), 1e-6), Is.False, "Below fails an equal error");
            Assert.That(Passes(Error.AtMost(1e-6), 1e-6), Is.True, "AtMost passes an equal error");
            Assert.That(Passes(Error.Below(1e-12), 0.0), Is.True, "Below passes a smaller error");
        });
    }
}
