namespace FastRecurrence.Planning.Solver;

/// <summary>
/// The values a variable may still take: either an explicit sorted set, or every multiple of <see cref="Step"/> in
/// [<see cref="Min"/>, <see cref="Max"/>] (a plain interval has step 1). Immutable, so search states copy cheaply.
/// </summary>
public sealed class Domain
{
    private readonly long[]? _values;

    private Domain(long min, long max, long step)
    {
        Step = step;
        Min = CeilToMultiple(min, step);
        Max = FloorToMultiple(max, step);
    }

    private Domain(long[] sortedDistinct)
    {
        _values = sortedDistinct;
        Step = 1;
        Min = sortedDistinct.Length == 0 ? 1 : sortedDistinct[0];
        Max = sortedDistinct.Length == 0 ? 0 : sortedDistinct[^1];
    }

    public static readonly Domain Empty = new([]);

    /// <summary>Every integer in [min, max].</summary>
    public static Domain Range(long min, long max) => new(min, max, 1);

    /// <summary>Every multiple of <paramref name="step"/> in [min, max].</summary>
    public static Domain MultipleOf(long step, long min, long max)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, $"{nameof(step)}: expected an integer >= 1, got {step}.");
        return new(min, max, step);
    }

    /// <summary>Every power of two in [min, max].</summary>
    public static Domain PowerOfTwo(long min, long max)
    {
        var values = new List<long>();
        for (long v = 1; v <= max && v > 0; v <<= 1)
            if (v >= min) values.Add(v);
        return new([.. values]);
    }

    /// <summary>Exactly these values (duplicates ignored).</summary>
    public static Domain Set(IEnumerable<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new([.. values.Distinct().Order()]);
    }

    public static Domain Single(long value) => new(value, value, 1);

    /// <summary>A single value without the explicit-set array: what propagation probes with.</summary>
    internal static Domain Point(long value) => new(value, value, 1);

    public long Min { get; }
    public long Max { get; }

    /// <summary>For the interval form, the step between values; 1 for explicit sets.</summary>
    public long Step { get; }

    public bool IsSet => _values is not null;
    public bool IsEmpty => Min > Max;
    public bool IsFixed => !IsEmpty && Min == Max;

    public long Count => IsEmpty ? 0 : _values?.Length ?? (Max - Min) / Step + 1;

    public Interval Bounds => new(Min, Max);

    public bool Contains(long value) =>
        _values is not null ? Array.BinarySearch(_values, value) >= 0 : Min <= value && value <= Max && (value - Min) % Step == 0;

    /// <summary>The values in ascending order.</summary>
    public IEnumerable<long> Values
    {
        get
        {
            if (_values is not null)
            {
                foreach (var v in _values) yield return v;
                yield break;
            }
            for (var v = Min; v <= Max; v += Step) yield return v;
        }
    }

    /// <summary>The values in descending order.</summary>
    public IEnumerable<long> ValuesDescending
    {
        get
        {
            if (_values is not null)
            {
                for (var k = _values.Length - 1; k >= 0; k--) yield return _values[k];
                yield break;
            }
            for (var v = Max; v >= Min; v -= Step) yield return v;
        }
    }

    /// <summary>The values within [min, max].</summary>
    public Domain Restrict(long min, long max)
    {
        if (min <= Min && max >= Max) return this;
        if (_values is not null)
            return new(_values.Where(v => v >= min && v <= max).ToArray());
        return new(Math.Max(min, Min), Math.Min(max, Max), Step);
    }

    /// <summary>The values that are multiples of <paramref name="divisor"/>.</summary>
    public Domain RestrictToMultiplesOf(long divisor)
    {
        divisor = Math.Abs(divisor);
        if (divisor <= 1) return this;
        if (_values is not null)
            return new(_values.Where(v => v % divisor == 0).ToArray());
        var step = Lcm(Step, divisor);
        return new(Min, Max, step);
    }

    /// <summary>The values that satisfy <paramref name="keep"/>; enumerates, so only for small domains.</summary>
    public Domain Filter(Func<long, bool> keep)
    {
        var count = Count;
        var kept = new long[count];
        var n = 0;
        if (_values is not null)
        {
            foreach (var v in _values)
                if (keep(v)) kept[n++] = v;
        }
        else
        {
            for (var v = Min; v <= Max; v += Step)
                if (keep(v)) kept[n++] = v;
        }
        if (n == count) return this;
        Array.Resize(ref kept, n);
        return new(kept);
    }

    public Domain Remove(long value) => Contains(value) ? Filter(v => v != value) : this;

    public override string ToString()
    {
        if (IsEmpty) return "{}";
        if (_values is not null)
            return _values.Length <= 12 ? $"{{{string.Join(", ", _values)}}}" : $"{{{string.Join(", ", _values.Take(6))}, ..., {string.Join(", ", _values.TakeLast(3))}}} ({_values.Length} values)";
        return Step == 1 ? $"[{Min}, {Max}]" : $"multiples of {Step} in [{Min}, {Max}]";
    }

    private static long CeilToMultiple(long value, long step)
    {
        var r = ((value % step) + step) % step;
        return r == 0 ? value : value + (step - r);
    }

    private static long FloorToMultiple(long value, long step)
    {
        var r = ((value % step) + step) % step;
        return value - r;
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return Math.Abs(a);
    }

    private static long Lcm(long a, long b) => a / Gcd(a, b) * b;
}
