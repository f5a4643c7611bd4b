using FastRecurrence.Ilgpu.Cells;
using FastRecurrence.Ilgpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace FastRecurrence.Ilgpu;

using ForwardLauncher = Action<KernelConfig, RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>,
    ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>;
using BackwardLauncher = Action<KernelConfig, RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>,
    ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
    ArrayView<float>, ArrayView<float>, ArrayView<int>>;
using ScanForwardLauncher = Action<KernelConfig, ScanKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>;
using ScanBackwardLauncher = Action<KernelConfig, ScanKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>,
    ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>;

/// <summary>The kernels of one accelerator, compiled (ILGPU JIT) on first use and kept: one per cell and direction.</summary>
internal sealed class IlgpuKernels(Accelerator accelerator)
{
    private readonly Dictionary<CellKind, ForwardLauncher> _forward = [];
    private readonly Dictionary<CellKind, BackwardLauncher> _backward = [];
    private ScanForwardLauncher? _scanForward;
    private ScanBackwardLauncher? _scanBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int>? _sumTiles;

    public ForwardLauncher Forward(CellKind cell)
    {
        if (!_forward.TryGetValue(cell, out var launcher))
        {
            launcher = cell switch
            {
                CellKind.Lstm => accelerator.LoadStreamKernel<RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>(RecurrentForwardKernel.Run<LstmIlgpuCell>),
                CellKind.Gru => accelerator.LoadStreamKernel<RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>(RecurrentForwardKernel.Run<GruIlgpuCell>),
                CellKind.SLstm => accelerator.LoadStreamKernel<RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>(RecurrentForwardKernel.Run<SLstmIlgpuCell>),
                CellKind.Elman => accelerator.LoadStreamKernel<RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>>(RecurrentForwardKernel.Run<ElmanIlgpuCell>),
                _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell kind."),
            };
            _forward[cell] = launcher;
        }
        return launcher;
    }

    public BackwardLauncher Backward(CellKind cell)
    {
        if (!_backward.TryGetValue(cell, out var launcher))
        {
            launcher = cell switch
            {
                CellKind.Lstm => LoadBackward<LstmIlgpuCell>(),
                CellKind.Gru => LoadBackward<GruIlgpuCell>(),
                CellKind.SLstm => LoadBackward<SLstmIlgpuCell>(),
                CellKind.Elman => LoadBackward<ElmanIlgpuCell>(),
                _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Unknown cell kind."),
            };
            _backward[cell] = launcher;
        }
        return launcher;
    }

    private BackwardLauncher LoadBackward<TCell>() where TCell : struct, IIlgpuCell =>
        accelerator.LoadStreamKernel<RecurrentKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<int>>(RecurrentBackwardKernel.Run<TCell>);

    public ScanForwardLauncher ScanForward => _scanForward ??=
        accelerator.LoadStreamKernel<ScanKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ScanKernels.Forward);

    public ScanBackwardLauncher ScanBackward => _scanBackward ??=
        accelerator.LoadStreamKernel<ScanKernelShape, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>>(ScanKernels.Backward);

    /// <summary>output[i] = sum over tiles k of partial[k * output.Length + i]: the groups' partial dR / dbias.</summary>
    public Action<Index1D, ArrayView<float>, ArrayView<float>, int> SumTiles => _sumTiles ??=
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(SumTilesKernel.Run);
}
