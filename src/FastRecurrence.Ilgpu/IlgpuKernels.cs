using FastRecurrence.Ilgpu.Cells;
using FastRecurrence.Ilgpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace FastRecurrence.Ilgpu;

using ForwardLauncher = Action<KernelConfig, RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>,
    ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>>;
using BackwardLauncher = Action<KernelConfig, RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>,
    ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
    ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>>;
using ScanForwardLauncher = Action<KernelConfig, ScanKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>;
using ScanBackwardLauncher = Action<KernelConfig, ScanKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>,
    ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>;

/// <summary>The kernels of one accelerator, compiled (ILGPU JIT) on first use and kept: one per cell, direction and
/// place of the per-row buffers (shared memory, or global scratch for heads whose single row does not fit).</summary>
internal sealed class IlgpuKernels(Accelerator accelerator)
{
    private readonly Dictionary<(CellKind, bool), ForwardLauncher> _forward = [];
    private readonly Dictionary<(CellKind, bool), BackwardLauncher> _backward = [];
    private ScanForwardLauncher? _scanForward;
    private ScanBackwardLauncher? _scanBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int>? _sumTiles;

    public ForwardLauncher Forward(CellKind cell, bool rowsInShared)
    {
        if (!_forward.TryGetValue((cell, rowsInShared), out var launcher))
        {
            launcher = (cell, rowsInShared) switch
            {
                (CellKind.Lstm, true) => LoadForward<LstmIlgpuCell, SharedRows>(),
                (CellKind.Lstm, false) => LoadForward<LstmIlgpuCell, GlobalRows>(),
                (CellKind.Gru, true) => LoadForward<GruIlgpuCell, SharedRows>(),
                (CellKind.Gru, false) => LoadForward<GruIlgpuCell, GlobalRows>(),
                (CellKind.SLstm, true) => LoadForward<SLstmIlgpuCell, SharedRows>(),
                (CellKind.SLstm, false) => LoadForward<SLstmIlgpuCell, GlobalRows>(),
                (CellKind.Elman, true) => LoadForward<ElmanIlgpuCell, SharedRows>(),
                (CellKind.Elman, false) => LoadForward<ElmanIlgpuCell, GlobalRows>(),
                _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell kind."),
            };
            _forward[(cell, rowsInShared)] = launcher;
        }
        return launcher;
    }

    public BackwardLauncher Backward(CellKind cell, bool rowsInShared)
    {
        if (!_backward.TryGetValue((cell, rowsInShared), out var launcher))
        {
            launcher = (cell, rowsInShared) switch
            {
                (CellKind.Lstm, true) => LoadBackward<LstmIlgpuCell, SharedRows>(),
                (CellKind.Lstm, false) => LoadBackward<LstmIlgpuCell, GlobalRows>(),
                (CellKind.Gru, true) => LoadBackward<GruIlgpuCell, SharedRows>(),
                (CellKind.Gru, false) => LoadBackward<GruIlgpuCell, GlobalRows>(),
                (CellKind.SLstm, true) => LoadBackward<SLstmIlgpuCell, SharedRows>(),
                (CellKind.SLstm, false) => LoadBackward<SLstmIlgpuCell, GlobalRows>(),
                (CellKind.Elman, true) => LoadBackward<ElmanIlgpuCell, SharedRows>(),
                (CellKind.Elman, false) => LoadBackward<ElmanIlgpuCell, GlobalRows>(),
                _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell kind."),
            };
            _backward[(cell, rowsInShared)] = launcher;
        }
        return launcher;
    }

    private ForwardLauncher LoadForward<TCell, TRows>() where TCell : struct, IIlgpuCell where TRows : struct, IRowStore =>
        accelerator.LoadStreamKernel<RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>>(RecurrentForwardKernel.Run<TCell, TRows>);

    private BackwardLauncher LoadBackward<TCell, TRows>() where TCell : struct, IIlgpuCell where TRows : struct, IRowStore =>
        accelerator.LoadStreamKernel<RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<int>, ArrayView<float>>(RecurrentBackwardKernel.Run<TCell, TRows>);

    public ScanForwardLauncher ScanForward => _scanForward ??=
        accelerator.LoadStreamKernel<ScanKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ScanKernels.Forward);

    public ScanBackwardLauncher ScanBackward => _scanBackward ??=
        accelerator.LoadStreamKernel<ScanKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>>(ScanKernels.Backward);

    /// <summary>output[i] = sum over tiles k of partial[k * output.Length + i]: the groups' partial dR / dbias.</summary>
    public Action<Index1D, ArrayView<float>, ArrayView<float>, int> SumTiles => _sumTiles ??=
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(SumTilesKernel.Run);
}
