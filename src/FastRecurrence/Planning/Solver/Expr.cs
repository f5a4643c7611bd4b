using System.Diagnostics.CodeAnalysis;

namespace FastRecurrence.Planning.Solver;

/// <summary>
/// An integer expression over model variables: constants, variables, sums, products, ceiling division, min and max.
/// Build with C# operators (<c>x * y + 3</c>, <c>Expr.CeilDiv(d, tile)</c>); compare with <c>&lt;=</c>, <c>&gt;=</c>,
/// <see cref="EqualTo"/> and <see cref="Divides"/> to get a <see cref="Constraint"/>.
/// </summary>
[SuppressMessage("Usage", "CA2225:Operator overloads have named alternates", Justification = "A modelling DSL; the named forms exist as methods where they read better.")]
public abstract class Expr
{
    /// <summary>Bounds of the expression when each variable ranges over its domain in <paramref name="domains"/>.</summary>
    public abstract Interval Bounds(Domain[] domains);

    /// <summary>The exact value for a full assignment (values indexed by <see cref="IntVar.Index"/>).</summary>
    public abstract long Evaluate(IReadOnlyList<long> values);

    internal abstract void CollectVariables(ISet<IntVar> into);

    /// <summary>The variables the expression mentions, in model order.</summary>
    public IReadOnlyList<IntVar> Variables
    {
        get
        {
            var set = new HashSet<IntVar>();
            CollectVariables(set);
            return set.OrderBy(v => v.Index).ToArray();
        }
    }

    public static implicit operator Expr(long value) => new ConstExpr(value);

    public static Expr operator +(Expr a, Expr b) => new SumExpr(a, b, 1);
    public static Expr operator -(Expr a, Expr b) => new SumExpr(a, b, -1);
    public static Expr operator *(Expr a, Expr b) => new ProductExpr(a, b);

    public static Constraint operator <=(Expr a, Expr b) => new(ConstraintKind.LessOrEqual, a, b);
    public static Constraint operator >=(Expr a, Expr b) => new(ConstraintKind.LessOrEqual, b, a);

    public Constraint EqualTo(Expr other) => new(ConstraintKind.Equal, this, other);

    /// <summary>This expression divides <paramref name="other"/> exactly (other mod this == 0).</summary>
    public Constraint Divides(Expr other) => new(ConstraintKind.Divides, this, other);

    /// <summary>ceil(a / b) for b &gt;= 1 (a non-negative); the usual "how many tiles" formula.</summary>
    public static Expr CeilDiv(Expr a, Expr b) => new CeilDivExpr(a, b);

    public static Expr Max(Expr a, Expr b) => new MinMaxExpr(a, b, isMax: true);
    public static Expr Min(Expr a, Expr b) => new MinMaxExpr(a, b, isMax: false);
}

internal sealed class ConstExpr(long value) : Expr
{
    public long Value { get; } = value;
    public override Interval Bounds(Domain[] domains) => Interval.Point(Value);
    public override long Evaluate(IReadOnlyList<long> values) => Value;
    internal override void CollectVariables(ISet<IntVar> into) { }
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

internal sealed class SumExpr(Expr a, Expr b, int sign) : Expr
{
    public override Interval Bounds(Domain[] domains) =>
        sign > 0 ? a.Bounds(domains) + b.Bounds(domains) : a.Bounds(domains) - b.Bounds(domains);

    public override long Evaluate(IReadOnlyList<long> values) =>
        sign > 0 ? checked(a.Evaluate(values) + b.Evaluate(values)) : checked(a.Evaluate(values) - b.Evaluate(values));

    internal override void CollectVariables(ISet<IntVar> into)
    {
        a.CollectVariables(into);
        b.CollectVariables(into);
    }

    public override string ToString() => sign > 0 ? $"{a} + {b}" : $"{a} - {Parenthesised(b)}";

    private static string Parenthesised(Expr e) => e is SumExpr ? $"({e})" : e.ToString()!;
}

internal sealed class ProductExpr(Expr a, Expr b) : Expr
{
    public override Interval Bounds(Domain[] domains) => a.Bounds(domains) * b.Bounds(domains);
    public override long Evaluate(IReadOnlyList<long> values) => checked(a.Evaluate(values) * b.Evaluate(values));

    internal override void CollectVariables(ISet<IntVar> into)
    {
        a.CollectVariables(into);
        b.CollectVariables(into);
    }

    public override string ToString() => $"{Factor(a)} * {Factor(b)}";

    private static string Factor(Expr e) => e is SumExpr ? $"({e})" : e.ToString()!;
}

internal sealed class CeilDivExpr(Expr a, Expr b) : Expr
{
    public override Interval Bounds(Domain[] domains)
    {
        var num = a.Bounds(domains);
        var den = b.Bounds(domains);
        var lowDen = Math.Max(1, den.Min);
        var highDen = Math.Max(1, den.Max);
        // Monotone: increasing in the numerator, decreasing in the (positive) denominator.
        return new(CeilDiv(num.Min, num.Min >= 0 ? highDen : lowDen), CeilDiv(num.Max, num.Max >= 0 ? lowDen : highDen));
    }

    public override long Evaluate(IReadOnlyList<long> values)
    {
        var den = b.Evaluate(values);
        if (den < 1) throw new InvalidOperationException($"ceil({a} / {b}): the divisor is {den}, expected >= 1.");
        return CeilDiv(a.Evaluate(values), den);
    }

    internal override void CollectVariables(ISet<IntVar> into)
    {
        a.CollectVariables(into);
        b.CollectVariables(into);
    }

    public override string ToString() => b is ConstExpr or IntVar ? $"ceil({a} / {b})" : $"ceil({a} / ({b}))";

    private static long CeilDiv(long n, long d) => n >= 0 ? (n + d - 1) / d : -(-n / d);
}

internal sealed class MinMaxExpr(Expr a, Expr b, bool isMax) : Expr
{
    public override Interval Bounds(Domain[] domains)
    {
        var x = a.Bounds(domains);
        var y = b.Bounds(domains);
        return isMax ? new(Math.Max(x.Min, y.Min), Math.Max(x.Max, y.Max)) : new(Math.Min(x.Min, y.Min), Math.Min(x.Max, y.Max));
    }

    public override long Evaluate(IReadOnlyList<long> values) =>
        isMax ? Math.Max(a.Evaluate(values), b.Evaluate(values)) : Math.Min(a.Evaluate(values), b.Evaluate(values));

    internal override void CollectVariables(ISet<IntVar> into)
    {
        a.CollectVariables(into);
        b.CollectVariables(into);
    }

    public override string ToString() => $"{(isMax ? "max" : "min")}({a}, {b})";
}
