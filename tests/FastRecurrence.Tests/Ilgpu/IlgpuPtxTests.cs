using FastRecurrence.Ilgpu;

namespace FastRecurrence.Tests.Ilgpu;

/// <summary>Every ILGPU kernel compiles to PTX without a GPU (the ilgpu-cuda path is checked in CI even where it cannot run).</summary>
[TestFixture]
public sealed class IlgpuPtxTests
{
    [TestCase(8, 0)]
    [TestCase(9, 0)]
    public void EveryKernel_CompilesToPtx(int major, int minor)
    {
        var kernels = IlgpuPtx.CompileAll(major, minor);

        var recurrent = from cell in new[] { "lstm", "gru", "slstm", "elman" }
                        from direction in new[] { "forward", "backward" }
                        from rows in new[] { "", ", rows in global" }
                        select $"{cell} {direction}{rows}";
        Assert.That(kernels.Select(k => k.Name), Is.EquivalentTo(recurrent.Concat(["scan forward", "scan backward", "sum tiles"])));
        Assert.Multiple(() =>
        {
            foreach (var kernel in kernels)
            {
                Assert.That(kernel.Ptx, Does.Contain(".version 7.8").And.Contain(".visible .entry"), kernel.Name);
                var recurrent = !kernel.Name.StartsWith("scan", StringComparison.Ordinal) && kernel.Name != "sum tiles";
                if (recurrent)
                    Assert.That(kernel.Ptx, Does.Contain("bar.sync"), $"{kernel.Name}: group barriers between the phases of a step");
            }
            Assert.That(kernels.Single(k => k.Name == "scan forward").Ptx, Does.Contain("shfl.sync"), "warp scan by shuffles");
            Assert.That(kernels.Single(k => k.Name == "lstm forward").Ptx, Does.Contain("__dyn_shared_alloca"), "dynamic shared memory");
            // rows in global scratch: shared memory holds the weights alone (ILGPU addresses the scratch generically)
            foreach (var direction in new[] { "forward", "backward" })
            {
                int SharedAccesses(string name) => CountOf(kernels.Single(k => k.Name == name).Ptx, ".shared.");
                Assert.That(SharedAccesses($"lstm {direction}, rows in global"), Is.LessThan(SharedAccesses($"lstm {direction}")), direction);
            }
        });
    }

    private static int CountOf(string text, string fragment)
    {
        int count = 0;
        for (int at = text.IndexOf(fragment, StringComparison.Ordinal); at >= 0; at = text.IndexOf(fragment, at + 1, StringComparison.Ordinal))
            count++;
        return count;
    }
}
