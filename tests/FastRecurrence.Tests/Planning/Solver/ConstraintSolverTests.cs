using FastRecurrence.Planning.Solver;

namespace FastRecurrence.Tests.Planning.Solver;

/// <summary>The general integer constraint solver: propagation, divisibility, products, objectives, conflicts, determinism.</summary>
[TestFixture]
public sealed class ConstraintSolverTests
{
    [Test]
    public void Domains_HaveTheDocumentedValues()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Domain.Range(3, 7).Values, Is.EqualTo(new long[] { 3, 4, 5, 6, 7 }));
            Assert.That(Domain.MultipleOf(32, 1, 130).Values, Is.EqualTo(new long[] { 32, 64, 96, 128 }));
            Assert.That(Domain.PowerOfTwo(3, 100).Values, Is.EqualTo(new long[] { 4, 8, 16, 32, 64 }));
            Assert.That(Domain.Set([5, 1, 5, 3]).Values, Is.EqualTo(new long[] { 1, 3, 5 }));
            Assert.That(Domain.MultipleOf(4, 0, 100).RestrictToMultiplesOf(6).Values, Is.EqualTo(new long[] { 0, 12, 24, 36, 48, 60, 72, 84, 96 }));
            Assert.That(Domain.Range(1, 10).Restrict(4, 20).ToString(), Is.EqualTo("[4, 10]"));
            Assert.That(Domain.Range(5, 4).IsEmpty, Is.True);
        });
    }

    [Test]
    public void Propagation_NarrowsBoundsOfLinearConstraints()
    {
        var m = new ConstraintModel();
        var x = m.NewVar("x", Domain.Range(0, 100));
        var y = m.NewVar("y", Domain.Range(0, 100));
        m.Require(x + y <= 10, "sum");
        m.Require(x >= 7, "x large");
        var all = ConstraintSolver.Solve(m, new SolveOptions(SolveMode.All));
        Assert.That(all.Solutions.Select(s => (s[x], s[y])), Is.EquivalentTo(
            from a in Enumerable.Range(7, 4) from b in Enumerable.Range(0, 11 - a) select ((long)a, (long)b)));
    }

    [Test]
    public void Divisibility_ByConstantAndBetweenVariables()
    {
        var m = new ConstraintModel();
        var tile = m.NewVar("tile", Domain.Range(1, 64));
        var rows = m.NewVar("rows", Domain.Range(1, 1_000_000));
        m.Require(((Expr)16).Divides(rows), "mma rows");
        m.Require(tile.Divides(768), "tile divides the head");
        m.Require(rows.EqualTo(tile * 16), "rows per tile");
        var result = ConstraintSolver.Solve(m, new SolveOptions(SolveMode.All));
        var tiles = result.Solutions.Select(s => s[tile]).ToArray();
        Assert.That(tiles, Is.EqualTo(new long[] { 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64 }));
        Assert.That(result.Solutions.All(s => s[rows] == 16 * s[tile]), Is.True);
    }

    [Test]
    public void Products_FindFactorisations()
    {
        var m = new ConstraintModel();
        var a = m.NewVar("a", Domain.Range(1, 50));
        var b = m.NewVar("b", Domain.Range(1, 50));
        m.Require((a * b).EqualTo(36), "area");
        m.Require(a <= b, "ordered");
        var result = ConstraintSolver.Solve(m, new SolveOptions(SolveMode.All));
        Assert.That(result.Solutions.Select(s => (s[a], s[b])), Is.EqualTo(new[] { (1L, 36L), (2L, 18L), (3L, 12L), (4L, 9L), (6L, 6L) }));
    }

    [Test]
    public void Objective_MinimiseAndMaximise_ReturnTheOptimum()
    {
        ConstraintModel Build(out IntVar warps, out IntVar tile)
        {
            var m = new ConstraintModel();
            warps = m.NewVar("warps", Domain.Range(1, 32));
            tile = m.NewVar("tile", Domain.PowerOfTwo(1, 256));
            m.Require(warps * 32 * tile <= 4096, "registers");
            m.Require(tile * 4 >= warps, "work per warp");
            return m;
        }
        var min = Build(out var w1, out var t1);
        min.Minimize(Expr.CeilDiv(1024, w1 * t1) + w1);
        var best = ConstraintSolver.Solve(min).Best!;
        var exhaustive = ConstraintSolver.Solve(Build(out var w2, out var t2), new SolveOptions(SolveMode.All)).Solutions
            .Min(s => (1024 + s[w2] * s[t2] - 1) / (s[w2] * s[t2]) + s[w2]);
        Assert.That(best.ObjectiveValue, Is.EqualTo(exhaustive));

        var max = Build(out var w3, out var t3);
        max.Maximize(w3 * t3);
        Assert.That(ConstraintSolver.Solve(max).Best!.ObjectiveValue, Is.EqualTo(128));
    }

    [Test]
    public void ValueOrder_DecidesTheFirstSolution()
    {
        var m = new ConstraintModel();
        var x = m.NewVar("x", Domain.Range(1, 10), ValueOrder.Descending);
        var y = m.NewVar("y", Domain.Range(1, 10), ValueOrder.Ascending, 7, 2);
        m.Require(x + y <= 12, "budget");
        var first = ConstraintSolver.Solve(m, new SolveOptions(SolveMode.First)).Best!;
        Assert.That((first[x], first[y]), Is.EqualTo((10L, 2L)));
        var m2 = new ConstraintModel();
        var y2 = m2.NewVar("y", Domain.Range(1, 10), ValueOrder.Ascending, 7, 3);
        Assert.That(ConstraintSolver.Solve(m2, new SolveOptions(SolveMode.First)).Best![y2], Is.EqualTo(7));
    }

    [Test]
    public void Unsatisfiable_ReturnsAMinimalConflictInWords()
    {
        var m = new ConstraintModel();
        var blocks = m.NewVar("blocks", Domain.Range(1, 132));
        var bytesPerBlock = m.NewVar("kib per block", Domain.Range(1, 10_000));
        m.Require(blocks <= 16, "a cluster holds at most 16 blocks");
        m.Require(bytesPerBlock <= 227, "shared memory per block (227 KiB)");
        m.Require((blocks * bytesPerBlock).EqualTo(4608), "R must be stored: 4608 KiB");
        m.Require(blocks >= 2, "unrelated but satisfiable");
        var result = ConstraintSolver.Solve(m);
        Assert.That(result.IsSatisfiable, Is.False);
        Assert.That(result.Conflict.Select(c => c.Description), Is.EquivalentTo(new[]
            { "a cluster holds at most 16 blocks", "shared memory per block (227 KiB)", "R must be stored: 4608 KiB" }));
        Assert.That(result.Explanation, Does.StartWith("no solution: these 3 requirements cannot all hold:")
            .And.Contain("blocks * kib per block == 4608").And.Contain("blocks in [1, 132]"));
    }

    [Test]
    public void Unsatisfiable_SingleConstraintAgainstDomains()
    {
        var m = new ConstraintModel();
        var threads = m.NewVar("threads", Domain.MultipleOf(32, 32, 1024));
        m.Require(threads.EqualTo(100), "threads fill whole warps");
        var result = ConstraintSolver.Solve(m);
        Assert.That(result.Explanation, Does.StartWith("no solution: this requirement cannot hold:").And.Contain("threads fill whole warps"));
    }

    [Test]
    public void Solve_IsDeterministic()
    {
        string Run()
        {
            var m = new ConstraintModel();
            var a = m.NewVar("a", Domain.Range(1, 40));
            var b = m.NewVar("b", Domain.Set([3, 5, 7, 9, 11]));
            var c = m.NewVar("c", Domain.PowerOfTwo(1, 64));
            m.Require(a * b * c <= 900, "budget");
            m.Require(((Expr)3).Divides(a + c), "alignment");
            m.Minimize(Expr.CeilDiv(900, a * b * c) * 10 + c);
            var r = ConstraintSolver.Solve(m);
            return string.Join(";", r.Solutions) + $"|{r.Nodes}";
        }
        var first = Run();
        Assert.That(Run(), Is.EqualTo(first));
    }

    [Test]
    public void EverySolution_PassesTheExactChecker()
    {
        var m = new ConstraintModel();
        var a = m.NewVar("a", Domain.Range(0, 30));
        var b = m.NewVar("b", Domain.Range(0, 30));
        m.Require(Expr.Max(a, b) - Expr.Min(a, b) <= 3, "close");
        m.Require(Expr.CeilDiv(a * b, 7) >= 20, "large enough");
        foreach (var s in ConstraintSolver.Solve(m, new SolveOptions(SolveMode.All)).Solutions)
            Assert.That(ConstraintSolver.Violations(m, s.Values), Is.Empty, s.ToString());
        // And the checker does catch a violation.
        Assert.That(ConstraintSolver.Violations(m, [0, 30]).Select(c => c.Description), Is.EquivalentTo(new[] { "close", "large enough" }));
    }

    [Test]
    public void NodeLimit_ReportsAnIncompleteSearch()
    {
        var m = new ConstraintModel();
        var xs = Enumerable.Range(0, 6).Select(k => m.NewVar($"x{k}", Domain.Range(0, 9))).ToArray();
        m.Require(xs.Aggregate((Expr)0, (acc, x) => acc + x).EqualTo(1000), "impossible sum");
        var r = ConstraintSolver.Solve(m, new SolveOptions(MaxNodes: 10));
        Assert.That(r.IsSatisfiable, Is.False);
        Assert.That(r.IsComplete, Is.True, "propagation alone proves this one");
        var m2 = new ConstraintModel();
        var ys = Enumerable.Range(0, 6).Select(k => m2.NewVar($"y{k}", Domain.Range(0, 9))).ToArray();
        m2.Require(((Expr)7).Divides(ys.Aggregate((Expr)0, (acc, y) => acc * 10 + y) + 1), "a hard digit puzzle");
        m2.Require(ys[0] * ys[1] * ys[2] * ys[3] * ys[4] * ys[5] >= 1, "nonzero digits");
        var r2 = ConstraintSolver.Solve(m2, new SolveOptions(SolveMode.All, MaxNodes: 50));
        Assert.That(r2.IsComplete, Is.False);
    }
}
