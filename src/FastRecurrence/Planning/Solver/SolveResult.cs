using System.Text;

namespace FastRecurrence.Planning.Solver;

/// <summary>Which solutions a solve looks for.</summary>
public enum SolveMode
{
    /// <summary>The first solution in search order.</summary>
    First,
    /// <summary>The best solution for the objective (ties: the first found); without an objective, the first.</summary>
    Best,
    /// <summary>Every solution, up to <see cref="SolveOptions.MaxSolutions"/>.</summary>
    All,
}

/// <param name="Mode">Which solutions to look for.</param>
/// <param name="MaxNodes">Search nodes before giving up (the result then says it is incomplete).</param>
/// <param name="MaxSolutions">For <see cref="SolveMode.All"/>.</param>
/// <param name="Explain">Whether an unsatisfiable result can compute its minimal conflict.</param>
/// <param name="MustBeat">
/// For <see cref="SolveMode.Best"/> with an objective: only solutions strictly better than this value count (a bound
/// known from elsewhere, e.g. another variant already planned), so hopeless models fail at once.
/// </param>
public sealed record SolveOptions(SolveMode Mode = SolveMode.Best, long MaxNodes = 1_000_000, int MaxSolutions = 100_000,
    bool Explain = true, long? MustBeat = null);

/// <summary>One full assignment, indexed by variable.</summary>
public sealed class Solution(IReadOnlyList<IntVar> variables, long[] values, long? objective)
{
    public IReadOnlyList<long> Values { get; } = values;
    public long? ObjectiveValue { get; } = objective;
    public long this[IntVar variable] => Values[variable.Index];

    public override string ToString() =>
        string.Join(", ", variables.Select(v => $"{v.Name}={Values[v.Index]}")) + (ObjectiveValue is { } o ? $" (objective {o})" : "");
}

/// <summary>
/// The outcome of a solve: solutions, or the smallest set of constraints the solver found that cannot hold together.
/// </summary>
public sealed class SolveResult
{
    internal SolveResult(IReadOnlyList<Solution> solutions, bool complete, long nodes, Constraint? firstFailure,
        Func<IReadOnlyList<Constraint>> conflict)
    {
        Solutions = solutions;
        IsComplete = complete;
        Nodes = nodes;
        FirstFailure = firstFailure;
        _conflict = new Lazy<IReadOnlyList<Constraint>>(conflict);
    }

    private readonly Lazy<IReadOnlyList<Constraint>> _conflict;

    public bool IsSatisfiable => Solutions.Count > 0;

    /// <summary>The best (or first) solution, or null.</summary>
    public Solution? Best => Solutions.Count > 0 ? Solutions[^1] : null;

    /// <summary>Solutions found, in the order found (for Best, each improves the previous one; the last is the best).</summary>
    public IReadOnlyList<Solution> Solutions { get; }

    /// <summary>False when the node limit stopped the search: "no solution" or "best" is then not proven.</summary>
    public bool IsComplete { get; }

    public long Nodes { get; }

    /// <summary>
    /// For an unsatisfiable model: a minimal set of constraints that already has no solution (empty otherwise).
    /// Computed on first use (a deletion filter: one solve per constraint), so callers that only need yes / no pay nothing.
    /// </summary>
    public IReadOnlyList<Constraint> Conflict => _conflict.Value;

    /// <summary>For an unsatisfiable model, the constraint whose propagation failed first at the root (null if search was needed).</summary>
    public Constraint? FirstFailure { get; }

    /// <summary>A one-line reason that costs nothing extra: the first failing requirement, without minimising the set.</summary>
    public string ShortExplanation => IsSatisfiable ? "satisfiable"
        : FirstFailure is { } c ? $"infeasible: first failing requirement: {c.Description}"
        : IsComplete ? "infeasible (found by search; see the full explanation)" : $"no solution found within {Nodes} search nodes";

    /// <summary>The conflict in words, with the domains of the variables it involves.</summary>
    public string Explanation
    {
        get
        {
            if (IsSatisfiable) return "satisfiable";
            if (Conflict.Count == 0)
                return IsComplete ? "no solution: the variables' domains are empty" : $"no solution found within {Nodes} search nodes (search incomplete)";
            var text = new StringBuilder();
            text.Append(Conflict.Count == 1 ? "no solution: this requirement cannot hold:" : $"no solution: these {Conflict.Count} requirements cannot all hold:");
            foreach (var c in Conflict)
                text.Append("\n  - ").Append(c.Description).Append(": ").Append(c.Formula);
            var involved = Conflict.SelectMany(c => c.Variables).Distinct().OrderBy(v => v.Index).ToArray();
            if (involved.Length > 0)
                text.Append("\n  where ").Append(string.Join(", ", involved.Select(v => $"{v.Name} in {v.Domain}")));
            return text.ToString();
        }
    }
}
