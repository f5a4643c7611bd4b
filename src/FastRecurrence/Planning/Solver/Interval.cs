namespace FastRecurrence.Planning.Solver;

/// <summary>
/// A closed integer interval [Min, Max] with saturating arithmetic: values are clamped to ±<see cref="Limit"/>, so
/// bound computations on large products never overflow (a saturated bound is still a valid over-approximation).
/// </summary>
public readonly record struct Interval(long Min, long Max)
{
    public const long Limit = 1L << 60;

    public bool IsEmpty => Min > Max;
    public bool Contains(long value) => Min <= value && value <= Max;

    public static Interval Point(long value) => new(value, value);

    public static Interval operator +(Interval a, Interval b) => new(Saturate(a.Min + b.Min), Saturate(a.Max + b.Max));

    public static Interval operator -(Interval a) => new(-a.Max, -a.Min);

    public static Interval operator -(Interval a, Interval b) => a + -b;

    public static Interval operator *(Interval a, Interval b)
    {
        long p1 = Multiply(a.Min, b.Min), p2 = Multiply(a.Min, b.Max), p3 = Multiply(a.Max, b.Min), p4 = Multiply(a.Max, b.Max);
        return new(Math.Min(Math.Min(p1, p2), Math.Min(p3, p4)), Math.Max(Math.Max(p1, p2), Math.Max(p3, p4)));
    }

    /// <summary>Saturating product: exact when |a * b| &lt;= Limit, else ±Limit.</summary>
    public static long Multiply(long a, long b)
    {
        // The double product decides whether the exact one fits well inside long; no division on the hot path.
        var approximate = (double)a * b;
        if (approximate > Limit) return Limit;
        if (approximate < -Limit) return -Limit;
        return Saturate(a * b);
    }

    public static long Saturate(long value) => Math.Clamp(value, -Limit, Limit);

    public override string ToString() => Min == Max ? $"{Min}" : $"[{Min}, {Max}]";
}
