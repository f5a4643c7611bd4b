namespace FastRecurrence;

/// <summary>
/// Options of a recurrent backward (math.md section 3), the ones users of FlashRNN rely on; all off by default.
/// </summary>
public sealed record RecurrentBackwardOptions
{
    /// <summary>Every option off: full BPTT, no clipping, gradients overwritten.</summary>
    public static RecurrentBackwardOptions None { get; } = new();

    private readonly float _recurrentClip;

    /// <summary>
    /// &gt; 0: the recurrent gradient R^T dg~_t reaching y_{t-1} is clamped element-wise to [-clip, clip] before it is
    /// added to the gradient from dL/dy_{t-1}; 0: off. Must be finite and not negative.
    /// </summary>
    public float RecurrentClip
    {
        get => _recurrentClip;
        init
        {
            if (!float.IsFinite(value) || value < 0)
                throw new ArgumentOutOfRangeException(nameof(RecurrentClip), value, $"RecurrentClip: expected 0 (off) or a finite positive bound, got {value}.");
            _recurrentClip = value;
        }
    }

    /// <summary>
    /// Truncated BPTT: no gradient flows through R into y_{t-1} (each step's gate gradients come from dL/dy_t and the
    /// cell states' own path only); dR and db are still computed from them.
    /// </summary>
    public bool Truncate { get; init; }

    /// <summary>Add every gradient to the values already in the gradient buffers instead of overwriting them.</summary>
    public bool Accumulate { get; init; }

    /// <summary>Whether any option differs from <see cref="None"/>.</summary>
    public bool AnySet => RecurrentClip > 0 || Truncate || Accumulate;

    internal static RecurrentBackwardOptions OrNone(RecurrentBackwardOptions? options) => options ?? None;
}
