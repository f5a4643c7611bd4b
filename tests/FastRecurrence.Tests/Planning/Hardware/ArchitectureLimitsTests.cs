using FastRecurrence.Planning.Hardware;

namespace FastRecurrence.Tests.Planning.Hardware;

/// <summary>The per-capability table covers every catalog architecture and refuses one it does not know.</summary>
[TestFixture]
public sealed class ArchitectureLimitsTests
{
    [Test]
    public void Table_CoversEveryCatalogArchitecture()
    {
        var known = ArchitectureLimits.Known.ToList();
        Assert.That(known, Is.Ordered);
        Assert.That(GpuCatalog.All.Select(g => g.ComputeCapability).Distinct(), Is.SubsetOf(known));
    }

    [Test]
    public void UnknownCapability_IsRefusedWithTheKnownOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => ArchitectureLimits.For(new ComputeCapability(6, 1)));
        Assert.That(ex!.Message, Does.StartWith("computeCapability: no architecture limits for sm_61; known: sm_70, sm_75, sm_80, sm_86, sm_89, sm_90, sm_100, sm_120."));
        Assert.That(ArchitectureLimits.TryFor(new ComputeCapability(6, 1)), Is.Null);
    }
}
