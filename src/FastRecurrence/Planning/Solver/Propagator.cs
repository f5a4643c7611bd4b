namespace FastRecurrence.Planning.Solver;

/// <summary>
/// Narrows domains to a fixpoint: for each constraint and each of its variables, removes the values for which the
/// constraint cannot hold given the other variables' bounds (interval reasoning). Small domains are filtered value by
/// value; large ones lose infeasible end points; divisibility by a constant becomes a multiple-of domain directly.
/// Sound: a value is removed only if no solution can use it.
/// </summary>
internal sealed class Propagator
{
    /// <summary>Domains up to this size are filtered value by value (holes too); larger ones get bounds consistency.</summary>
    public const int EnumerationLimit = 16;

    /// <summary>Divisor lists are built for constant divisibility on domains larger than this.</summary>
    private const int DivisorListLimit = 512;

    /// <summary>End points removed one at a time on large interval domains before giving up on that side.</summary>
    private const int EndpointProbes = 4096;

    private readonly IReadOnlyList<Constraint> _constraints;
    private readonly int[][] _watchers;
    private readonly Queue<int> _queue = new();
    private readonly bool[] _queued;

    public Propagator(int variableCount, IReadOnlyList<Constraint> constraints)
    {
        _constraints = constraints;
        _queued = new bool[constraints.Count];
        var watchers = Enumerable.Range(0, variableCount).Select(_ => new List<int>()).ToArray();
        for (var c = 0; c < constraints.Count; c++)
            foreach (var v in constraints[c].Variables)
                watchers[v.Index].Add(c);
        _watchers = watchers.Select(w => w.ToArray()).ToArray();
    }

    /// <summary>The constraint that failed in the last <see cref="Propagate"/> that returned false.</summary>
    public Constraint? Failed { get; private set; }

    /// <summary>
    /// Propagates in place. <paramref name="changed"/> null means "everything is new". Returns false on a conflict.
    /// </summary>
    public bool Propagate(Domain[] domains, int? changed = null)
    {
        // Reused across calls: one propagator serves one search, which is single-threaded.
        var queue = _queue;
        var queued = _queued;
        queue.Clear();
        Array.Clear(queued);
        void Enqueue(int c)
        {
            if (queued[c]) return;
            queued[c] = true;
            queue.Enqueue(c);
        }

        if (changed is { } variable)
            foreach (var c in _watchers[variable]) Enqueue(c);
        else
            for (var c = 0; c < _constraints.Count; c++) Enqueue(c);

        while (queue.Count > 0)
        {
            var index = queue.Dequeue();
            queued[index] = false;
            var constraint = _constraints[index];
            if (!constraint.MayHold(domains))
                return Fail(constraint);
            if (constraint.IsEntailed(domains))
                continue; // holds for every remaining combination: nothing to prune
            foreach (var v in constraint.Variables)
            {
                var before = domains[v.Index];
                if (before.IsFixed)
                    continue; // MayHold above already checked it
                var after = Revise(constraint, v, domains);
                if (after.IsEmpty)
                    return Fail(constraint);
                if (after.Count == before.Count) continue;
                domains[v.Index] = after;
                foreach (var c in _watchers[v.Index]) Enqueue(c);
            }
        }
        Failed = null;
        return true;
    }

    private bool Fail(Constraint constraint)
    {
        Failed = constraint;
        return false;
    }

    private static Domain Revise(Constraint constraint, IntVar variable, Domain[] domains)
    {
        var domain = domains[variable.Index];
        if (constraint.Kind == ConstraintKind.Divides && DivisibilityByConstant(constraint, variable, domains) is { } narrowed)
            domain = narrowed;
        if (domain.IsEmpty) return domain;

        if (domain.Count <= EnumerationLimit)
            return domain.Filter(value => HoldsWith(constraint, variable, value, domains));

        for (var k = 0; k < EndpointProbes && !domain.IsEmpty && !HoldsWith(constraint, variable, domain.Min, domains); k++)
            domain = domain.Restrict(domain.Min + 1, domain.Max);
        for (var k = 0; k < EndpointProbes && !domain.IsEmpty && !HoldsWith(constraint, variable, domain.Max, domains); k++)
            domain = domain.Restrict(domain.Min, domain.Max - 1);
        return domain;
    }

    /// <summary>k divides x: x becomes a multiple-of domain; x divides k: x keeps only divisors of k.</summary>
    private static Domain? DivisibilityByConstant(Constraint constraint, IntVar variable, Domain[] domains)
    {
        var domain = domains[variable.Index];
        var left = constraint.Left.Bounds(domains);
        var right = constraint.Right.Bounds(domains);
        if (ReferenceEquals(constraint.Right, variable) && left.Min == left.Max && left.Min >= 1)
            return domain.RestrictToMultiplesOf(left.Min);
        if (ReferenceEquals(constraint.Left, variable) && right.Min == right.Max && right.Min != 0 && domain.Count > DivisorListLimit)
        {
            var k = Math.Abs(right.Min);
            var divisors = new List<long>();
            for (long d = 1; d * d <= k; d++)
                if (k % d == 0)
                {
                    divisors.Add(d);
                    divisors.Add(k / d);
                }
            return Domain.Set(divisors.Where(domain.Contains));
        }
        return null;
    }

    private static bool HoldsWith(Constraint constraint, IntVar variable, long value, Domain[] domains)
    {
        var saved = domains[variable.Index];
        domains[variable.Index] = Domain.Point(value);
        try
        {
            return constraint.MayHold(domains);
        }
        finally
        {
            domains[variable.Index] = saved;
        }
    }
}
