namespace FastRecurrence;

/// <summary>The recurrent cells the library implements. Gate orders follow PyTorch where PyTorch has the cell.</summary>
public enum CellKind
{
    /// <summary>LSTM: gates i, f, g(z), o; states h, c.</summary>
    Lstm,
    /// <summary>GRU with PyTorch / cuDNN "linear before reset": gates r, z, n; state h; four bias vectors.</summary>
    Gru,
    /// <summary>sLSTM (xLSTM), stabilised: gates i, f, z, o; states y, c, n, m.</summary>
    SLstm,
    /// <summary>Elman RNN with tanh (PyTorch nn.RNN): one gate; state h.</summary>
    Elman,
}

/// <summary>Per-cell sizes of the FlashRNN-compatible layouts (docs: math.md section 1).</summary>
public static class CellKindExtensions
{
    /// <summary>G: the number of gates that go through the recurrent matrix R (and Wx).</summary>
    public static int GateCount(this CellKind cell) => cell switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        CellKind.SLstm => 4,
        CellKind.Elman => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell kind."),
    };

    /// <summary>Gb: the number of bias vectors. GRU keeps b_in and b_hn apart, so it has G + 1.</summary>
    public static int BiasCount(this CellKind cell) => cell == CellKind.Gru ? 4 : cell.GateCount();

    /// <summary>S: the number of state vectors per hidden unit. State 0 is always the hidden output y (h).</summary>
    public static int StateCount(this CellKind cell) => cell switch
    {
        CellKind.Lstm => 2,
        CellKind.Gru => 1,
        CellKind.SLstm => 4,
        CellKind.Elman => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell kind."),
    };

    /// <summary>The names of the states in layout order (h, c for LSTM; y, c, n, m for sLSTM).</summary>
    public static IReadOnlyList<string> StateNames(this CellKind cell) => cell switch
    {
        CellKind.Lstm => ["h", "c"],
        CellKind.Gru => ["h"],
        CellKind.SLstm => ["y", "c", "n", "m"],
        CellKind.Elman => ["h"],
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell kind."),
    };

    /// <summary>The names of the gates in layout order.</summary>
    public static IReadOnlyList<string> GateNames(this CellKind cell) => cell switch
    {
        CellKind.Lstm => ["i", "f", "g", "o"],
        CellKind.Gru => ["r", "z", "n"],
        CellKind.SLstm => ["i", "f", "z", "o"],
        CellKind.Elman => ["h"],
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell kind."),
    };
}
