using FastRecurrence.Cli.Errors;

namespace FastRecurrence.Cli.Commands;

/// <summary>The --cell names users type (PyTorch's module names, lower case) and the library's cells.</summary>
internal static class CellNames
{
    private static readonly (string Name, CellKind Cell)[] Names =
    [
        ("lstm", CellKind.Lstm),
        ("gru", CellKind.Gru),
        ("rnn", CellKind.Elman),
        ("slstm", CellKind.SLstm),
    ];

    public static string Choices => string.Join("|", Names.Select(n => n.Name));

    public static CellKind Parse(string name)
    {
        foreach (var (known, cell) in Names)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
                return cell;
        }
        throw new CliInputException($"--cell: unknown cell '{name}'; expected one of {string.Join(", ", Names.Select(n => n.Name))}.");
    }

    public static string NameOf(CellKind cell) => Names.First(n => n.Cell == cell).Name;

    /// <summary>Whether the cell has PyTorch's c state (LSTM's c0 / c_n; sLSTM's cell state c).</summary>
    public static bool HasCellState(CellKind cell) => cell is CellKind.Lstm or CellKind.SLstm;
}
