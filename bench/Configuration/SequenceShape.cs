using System.Globalization;

namespace FastRecurrence.Bench.Configuration;

/// <summary>
/// B, T, NH, D of a benchmark case: one parameter so that each backend gets its own list of shapes (GPU shapes would
/// take hours on the reference). <see cref="ToString"/> is the table's key, e.g. "B16 T1024 12x64"; <see cref="Parse"/>
/// reads it back from a CSV. Shapes order by B, T, hidden size, then heads (not by their text, where "1x1024" would
/// come before "1x128").
/// </summary>
public sealed record SequenceShape(int Batch, int TimeSteps, int Heads, int HeadSize) : IComparable<SequenceShape>, IComparable
{
    public int CompareTo(SequenceShape? other)
    {
        if (other is null) return 1;
        var order = Batch.CompareTo(other.Batch);
        if (order == 0) order = TimeSteps.CompareTo(other.TimeSteps);
        if (order == 0) order = Hidden.CompareTo(other.Hidden);
        return order != 0 ? order : Heads.CompareTo(other.Heads);
    }

    public int CompareTo(object? obj) => CompareTo(obj as SequenceShape);

    public static bool operator <(SequenceShape? left, SequenceShape? right) => Comparer<SequenceShape>.Default.Compare(left, right) < 0;
    public static bool operator <=(SequenceShape? left, SequenceShape? right) => Comparer<SequenceShape>.Default.Compare(left, right) <= 0;
    public static bool operator >(SequenceShape? left, SequenceShape? right) => Comparer<SequenceShape>.Default.Compare(left, right) > 0;
    public static bool operator >=(SequenceShape? left, SequenceShape? right) => Comparer<SequenceShape>.Default.Compare(left, right) >= 0;

    public int Hidden => Heads * HeadSize;

    /// <summary>B * T * NH * D.</summary>
    public long Elements => (long)Batch * TimeSteps * Heads * HeadSize;

    public override string ToString() => $"B{Batch} T{TimeSteps} {Heads}x{HeadSize}";

    public static SequenceShape Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || parts[0][0] != 'B' || parts[1][0] != 'T' || parts[2].Split('x') is not [var nh, var d])
            throw new FormatException($"shape: expected 'B<batch> T<steps> <heads>x<headSize>', got '{text}'.");
        return new SequenceShape(Int(parts[0][1..]), Int(parts[1][1..]), Int(nh), Int(d));
    }

    private static int Int(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}
