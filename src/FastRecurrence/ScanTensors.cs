namespace FastRecurrence;

/// <summary>Inputs of the diagonal linear recurrence: a, b [B, T, H, D]; h0 [B, H, D] or empty for zeros.</summary>
public readonly ref struct ScanInputs<T>
{
    public ScanInputs(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> h0 = default)
    {
        A = a;
        B = b;
        H0 = h0;
    }

    public ReadOnlySpan<T> A { get; }
    public ReadOnlySpan<T> B { get; }
    public ReadOnlySpan<T> H0 { get; }
}

/// <summary>Gradients a scan backward produces: da, db [B, T, H, D]; dh0 [B, H, D] (written only when non-empty).</summary>
public readonly ref struct ScanGradients<T>
{
    public ScanGradients(Span<T> da, Span<T> db, Span<T> dh0 = default)
    {
        DA = da;
        DB = db;
        DH0 = dh0;
    }

    public Span<T> DA { get; }
    public Span<T> DB { get; }
    public Span<T> DH0 { get; }
}
