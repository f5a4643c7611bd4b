using FastRecurrence.Validation;

namespace FastRecurrence.Layers;

/// <summary>
/// Sequences packed back to back, [total, F], with offsets like flash-attention's cu_seqlens ([B + 1]: sequence b is
/// rows offsets[b] .. offsets[b + 1] - 1), and their padded batch-first form [B, T_max, F] with lengths [B], which is
/// what the layers take (<see cref="StackedRecurrentLayers{T}.Forward"/> with lengths).
/// </summary>
public static class PackedSequences
{
    /// <summary>The lengths the offsets describe; refuses offsets that do not start at 0, decrease, or hold an empty sequence.</summary>
    public static int[] Lengths(ReadOnlySpan<int> offsets, int totalRows)
    {
        var lengths = Lengths(offsets);
        if (offsets[^1] != totalRows)
            throw new ArgumentException($"offsets[{offsets.Length - 1}]: expected the packed row count {totalRows}, got {offsets[^1]}.", nameof(offsets));
        return lengths;
    }

    /// <summary>The checks of <see cref="Lengths(ReadOnlySpan{int}, int)"/> but the total, which Unpad takes from the offsets.</summary>
    private static int[] Lengths(ReadOnlySpan<int> offsets)
    {
        if (offsets.Length < 2)
            throw new ArgumentException($"offsets: expected [B + 1] with B >= 1 (cu_seqlens), got {offsets.Length} values.", nameof(offsets));
        if (offsets[0] != 0)
            throw new ArgumentException($"offsets[0]: expected 0, got {offsets[0]}.", nameof(offsets));
        var lengths = new int[offsets.Length - 1];
        for (var b = 0; b < lengths.Length; b++)
        {
            // compared, not subtracted first: the difference of a large and a negative offset wraps to a positive length
            if (offsets[b + 1] <= offsets[b])
                throw new ArgumentException($"offsets: sequence {b} has length {(long)offsets[b + 1] - offsets[b]} (offsets[{b}] = {offsets[b]}, offsets[{b + 1}] = {offsets[b + 1]}); each must have at least one step.", nameof(offsets));
            lengths[b] = offsets[b + 1] - offsets[b];
        }
        return lengths;
    }

    /// <summary>[total, F] packed rows to [B, T_max, F] (zeros past each length), with the lengths and T_max.</summary>
    public static (T[] Padded, int[] Lengths, int MaxSteps) Pad<T>(ReadOnlySpan<T> packed, ReadOnlySpan<int> offsets, int features)
    {
        Guard.Positive(features, nameof(features));
        if (packed.Length % features != 0)
            throw new ArgumentException($"packed: expected [total, F={features}], got {packed.Length} values (not a multiple of F).", nameof(packed));
        var lengths = Lengths(offsets, packed.Length / features);
        var maxSteps = lengths.Max();
        // checked: padding to the longest sequence can outgrow the packed rows (B * T_max >= total), and a wrapped
        // product would give a short array
        var padded = new T[Guard.ElementCount(nameof(offsets), $"padded [B={lengths.Length}, T_max={maxSteps}, F={features}]", lengths.Length, maxSteps, features)];
        for (var b = 0; b < lengths.Length; b++)
            packed.Slice(offsets[b] * features, lengths[b] * features).CopyTo(padded.AsSpan(b * maxSteps * features));
        return (padded, lengths, maxSteps);
    }

    /// <summary>[B, T_max, F] back to [total, F] packed rows (what lies past each length is dropped).</summary>
    public static T[] Unpad<T>(ReadOnlySpan<T> padded, ReadOnlySpan<int> offsets, int maxSteps, int features)
    {
        Guard.Positive(maxSteps, nameof(maxSteps));
        Guard.Positive(features, nameof(features));
        var lengths = Lengths(offsets);
        var shape = $"[B={lengths.Length}, T={maxSteps}, F={features}]";
        Guard.Length(padded.Length, Guard.ElementCount(nameof(padded), shape, lengths.Length, maxSteps, features), "padded", $"{shape}");
        for (var b = 0; b < lengths.Length; b++)
        {
            if (lengths[b] > maxSteps)
                throw new ArgumentException($"offsets: sequence {b} has length {lengths[b]}, longer than T={maxSteps}.", nameof(offsets));
        }
        // every length is at most T, so total * F <= B * T * F, the padded length: no overflow
        var packed = new T[offsets[^1] * features];
        for (var b = 0; b < lengths.Length; b++)
            padded.Slice(b * maxSteps * features, lengths[b] * features).CopyTo(packed.AsSpan(offsets[b] * features));
        return packed;
    }
}
