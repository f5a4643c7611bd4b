namespace FastRecurrence.Layers;

/// <summary>
/// The copies a stack makes between layouts: time reversal of [B, T, F], a slice of features of [B, T, F] (one
/// direction of a bidirectional output), and one layer-direction's [S, B, H] inside [S, L * directions, B, H].
/// </summary>
internal static class SequenceLayout
{
    /// <summary>
    /// [B, T, F] with each sequence's first L_b steps reversed (L_b = T without <paramref name="lengths"/>): the reverse
    /// direction starts at each sequence's own last step. Steps past L_b stay where they are (the layer masks them).
    /// </summary>
    public static T[] ReverseTime<T>(ReadOnlySpan<T> values, int batch, int timeSteps, int features, ReadOnlySpan<int> lengths = default)
    {
        var reversed = values.ToArray();
        for (var b = 0; b < batch; b++)
        {
            var length = lengths.IsEmpty ? timeSteps : lengths[b];
            for (var t = 0; t < length; t++)
                values.Slice((b * timeSteps + t) * features, features)
                    .CopyTo(reversed.AsSpan((b * timeSteps + length - 1 - t) * features, features));
        }
        return reversed;
    }

    /// <summary>Features [offset, offset + count) of [B, T, width], as [B, T, count].</summary>
    public static T[] Features<T>(ReadOnlySpan<T> values, int batch, int timeSteps, int width, int offset, int count)
    {
        var slice = new T[batch * timeSteps * count];
        for (var row = 0; row < batch * timeSteps; row++)
            values.Slice(row * width + offset, count).CopyTo(slice.AsSpan(row * count, count));
        return slice;
    }

    /// <summary>Writes [B, T, count] into features [offset, offset + count) of [B, T, width].</summary>
    public static void SetFeatures<T>(Span<T> values, ReadOnlySpan<T> slice, int batch, int timeSteps, int width, int offset, int count)
    {
        for (var row = 0; row < batch * timeSteps; row++)
            slice.Slice(row * count, count).CopyTo(values.Slice(row * width + offset, count));
    }

    /// <summary>
    /// Block <paramref name="index"/> of [S, blocks, B, *] as [S, B, *]; state s is <paramref name="sizes"/>[s] wide (h is
    /// proj_size wide with a projection). Empty stays empty (zero states).
    /// </summary>
    public static T[] StatesOf<T>(ReadOnlySpan<T> states, IReadOnlyList<int> sizes, int blocks, int batch, int index)
    {
        if (states.IsEmpty) return [];
        var one = new T[sizes.Sum() * batch];
        int from = 0, to = 0;
        foreach (var size in sizes)
        {
            int block = batch * size;
            states.Slice(from + index * block, block).CopyTo(one.AsSpan(to, block));
            from += blocks * block;
            to += block;
        }
        return one;
    }

    /// <summary>Writes [S, B, *] into block <paramref name="index"/> of [S, blocks, B, *] (the layout of <see cref="StatesOf{T}"/>).</summary>
    public static void SetStatesOf<T>(Span<T> states, ReadOnlySpan<T> one, IReadOnlyList<int> sizes, int blocks, int batch, int index)
    {
        int from = 0, to = 0;
        foreach (var size in sizes)
        {
            int block = batch * size;
            one.Slice(from, block).CopyTo(states.Slice(to + index * block, block));
            from += block;
            to += blocks * block;
        }
    }
}
