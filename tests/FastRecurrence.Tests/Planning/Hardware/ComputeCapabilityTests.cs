using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Planning.Hardware;

[TestFixture]
public sealed class ComputeCapabilityTests
{
    [TestCase(7, 0, "sm_70", "7.0")]
    [TestCase(9, 0, "sm_90", "9.0")]
    [TestCase(10, 0, "sm_100", "10.0")]
    [TestCase(12, 0, "sm_120", "12.0")]
    public void Arch_IsTheGenericNvrtcTarget(int major, int minor, string arch, string text)
    {
        var cc = new ComputeCapability(major, minor);
        Assert.That(cc.Arch, Is.EqualTo(arch));
        Assert.That(cc.ToString(), Is.EqualTo(text));
    }

    [Test]
    public void OrdersByMajorThenMinor()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new ComputeCapability(8, 9) < new ComputeCapability(9, 0), Is.True);
            Assert.That(new ComputeCapability(10, 0) > new ComputeCapability(9, 0), Is.True);
            Assert.That(new ComputeCapability(8, 0) >= new ComputeCapability(8, 0), Is.True);
            Assert.That(new ComputeCapability(7, 5) <= new ComputeCapability(7, 0), Is.False);
            var hopper = new ComputeCapability(9, 0);
            Assert.That(hopper, Is.EqualTo(GpuCatalog.Find("H200").ComputeCapability));
        });
    }

    [TestCase(0, 0, "major")]
    [TestCase(9, -1, "minor")]
    [TestCase(9, 10, "minor")]
    public void RejectsImpossibleVersions(int major, int minor, string field)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ComputeCapability(major, minor));
        Assert.That(ex!.ParamName, Is.EqualTo(field));
        Assert.That(ex.Message, Does.StartWith($"{field}: expected"));
    }
}
