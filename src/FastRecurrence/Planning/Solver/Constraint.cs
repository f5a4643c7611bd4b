namespace FastRecurrence.Planning.Solver;

public enum ConstraintKind
{
    /// <summary>Left &lt;= Right.</summary>
    LessOrEqual,
    /// <summary>Left == Right.</summary>
    Equal,
    /// <summary>Left divides Right exactly (Right mod Left == 0, Left &gt;= 1).</summary>
    Divides,
}

/// <summary>
/// A relation between two expressions, with a description in words that explanations of conflicts quote
/// (set when the constraint is added to a model).
/// </summary>
public sealed class Constraint
{
    internal Constraint(ConstraintKind kind, Expr left, Expr right, string? description = null)
    {
        Kind = kind;
        Left = left;
        Right = right;
        Description = description ?? "";
        var set = new HashSet<IntVar>();
        left.CollectVariables(set);
        right.CollectVariables(set);
        Variables = set.OrderBy(v => v.Index).ToArray();
    }

    public ConstraintKind Kind { get; }
    public Expr Left { get; }
    public Expr Right { get; }
    public string Description { get; }
    public IReadOnlyList<IntVar> Variables { get; }

    internal Constraint Described(string description) => new(Kind, Left, Right, description);

    /// <summary>Exact check for a full assignment: the independent checker's test, no interval reasoning.</summary>
    public bool IsSatisfiedBy(IReadOnlyList<long> values)
    {
        long left = Left.Evaluate(values), right = Right.Evaluate(values);
        return Kind switch
        {
            ConstraintKind.LessOrEqual => left <= right,
            ConstraintKind.Equal => left == right,
            ConstraintKind.Divides => left >= 1 && right % left == 0,
            _ => false,
        };
    }

    /// <summary>
    /// False only when no assignment within <paramref name="domains"/> can satisfy the constraint (interval reasoning:
    /// an over-approximation, so propagation that relies on it never loses a solution).
    /// </summary>
    public bool MayHold(Domain[] domains)
    {
        var left = Left.Bounds(domains);
        var right = Right.Bounds(domains);
        switch (Kind)
        {
            case ConstraintKind.LessOrEqual:
                return left.Min <= right.Max;
            case ConstraintKind.Equal:
                return left.Min <= right.Max && right.Min <= left.Max;
            case ConstraintKind.Divides:
                if (left.Max < 1) return false;
                if (left.Min == left.Max && right.Min == right.Max) return right.Min % left.Min == 0;
                if (left.Min == left.Max && right.Max - right.Min < left.Min)
                {
                    // The right side ranges over fewer values than the divisor: a multiple must fall inside.
                    var firstMultiple = right.Min >= 0 ? (right.Min + left.Min - 1) / left.Min * left.Min : right.Min / left.Min * left.Min;
                    return firstMultiple <= right.Max;
                }
                return true;
            default:
                return true;
        }
    }

    /// <summary>True when the constraint holds for every assignment within <paramref name="domains"/> (interval reasoning).</summary>
    public bool IsEntailed(Domain[] domains)
    {
        var left = Left.Bounds(domains);
        var right = Right.Bounds(domains);
        return Kind switch
        {
            ConstraintKind.LessOrEqual => left.Max <= right.Min && left.Max < Interval.Limit && right.Min > -Interval.Limit,
            ConstraintKind.Equal => left.Min == left.Max && right.Min == right.Max && left.Min == right.Min,
            ConstraintKind.Divides => left.Min == left.Max && right.Min == right.Max && left.Min >= 1 && right.Min % left.Min == 0,
            _ => false,
        };
    }

    /// <summary>The relation as a formula, e.g. "warps * 32 &lt;= 1024".</summary>
    public string Formula => Kind switch
    {
        ConstraintKind.LessOrEqual => $"{Left} <= {Right}",
        ConstraintKind.Equal => $"{Left} == {Right}",
        ConstraintKind.Divides => $"{Left} divides {Right}",
        _ => "?",
    };

    public override string ToString() => string.IsNullOrEmpty(Description) ? Formula : $"{Description} ({Formula})";
}
