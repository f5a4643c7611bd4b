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
}
