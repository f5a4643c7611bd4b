using System.Numerics;

namespace FastRecurrence.Layers;

/// <summary>
/// PyTorch-style inverted dropout between stacked layers: each element is kept with probability 1 - p and then scaled
/// by 1 / (1 - p). The keep decision is a hash of (seed, layer, element index), not a stateful generator, so the
/// forward and the backward (which replays it) draw the same mask whatever order or thread computes them.
/// </summary>
internal static class DropoutMask
{
    /// <summary>Applies the mask of (<paramref name="seed"/>, <paramref name="layer"/>) to <paramref name="values"/> in place.</summary>
    public static void Apply<T>(Span<T> values, double p, ulong seed, int layer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (p <= 0) return;
        var scale = T.CreateChecked(1.0 / (1.0 - p));
        for (var i = 0; i < values.Length; i++)
            values[i] = Keeps(p, seed, layer, i) ? values[i] * scale : T.Zero;
    }

    /// <summary>Whether element <paramref name="index"/> of layer <paramref name="layer"/>'s output survives.</summary>
    public static bool Keeps(double p, ulong seed, int layer, int index)
    {
        // SplitMix64 of the three inputs: well mixed, cheap, the same on every machine.
        var z = seed ^ ((ulong)(uint)layer << 40) ^ (ulong)(uint)index;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53)) >= p;
    }
}
