namespace FastRecurrence.Planning.Solver;

/// <summary>The order in which search tries a variable's values; the first solution follows it.</summary>
public enum ValueOrder
{
    Ascending,
    Descending,
}

/// <summary>
/// An integer decision variable of a <see cref="ConstraintModel"/>: a name a user understands, its initial domain,
/// and the order search tries its values in (optionally some preferred values first).
/// </summary>
public sealed class IntVar : Expr
{
    internal IntVar(int index, string name, Domain domain, ValueOrder order, IReadOnlyList<long> preferred)
    {
        Index = index;
        Name = name;
        Domain = domain;
        Order = order;
        Preferred = preferred;
    }

    /// <summary>Position in the model: the index of this variable's domain in a search state.</summary>
    public int Index { get; }
    public string Name { get; }
    public Domain Domain { get; }
    public ValueOrder Order { get; }

    /// <summary>Values tried before the others, in this order.</summary>
    public IReadOnlyList<long> Preferred { get; }

    /// <summary>The values of <paramref name="domain"/> in this variable's search order.</summary>
    internal IEnumerable<long> InSearchOrder(Domain domain)
    {
        foreach (var v in Preferred)
            if (domain.Contains(v))
                yield return v;
        var rest = Order == ValueOrder.Ascending ? domain.Values : domain.ValuesDescending;
        foreach (var v in rest)
            if (!Preferred.Contains(v))
                yield return v;
    }

    public override Interval Bounds(Domain[] domains) => domains[Index].Bounds;
    public override long Evaluate(IReadOnlyList<long> values) => values[Index];
    internal override void CollectVariables(ISet<IntVar> into) => into.Add(this);

    public override string ToString() => Name;
}
