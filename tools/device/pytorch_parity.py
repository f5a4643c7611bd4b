#!/usr/bin/env python3
"""Checks the FastRecurrence CLI (CPU reference) against PyTorch on the GPU machine, and times cuDNN beside it.

1. Parity, float64 on the CPU: torch.nn.LSTM / GRU / RNN with random weights, h0 / c0 and dL/dy; the CLI's
   `run --grad-output` must reproduce y, h_n, c_n and every gradient torch autograd gives (x, weight_ih_l0,
   weight_hh_l0, bias_ih_l0, bias_hh_l0, h0, c0). Stacks (num_layers, bidirectional, proj_size) on packed sequences
   with unsorted lengths the same way. The scan against a torch loop with autograd.
2. Parity, float32: the CLI in float32 against torch's cuDNN float32 (TF32 off), relative L2.
3. Peer timings (cuDNN nn.LSTM / nn.GRU, the targets.md headline shape; forward with autograd on, forward under
   torch.no_grad, forward+backward), CUDA events, median of 20 after 5 warm-ups: the numbers
   FastRecurrence's kernels have to beat, recorded in docs/PERFORMANCE.md.
Usage: pytorch_parity.py CLI_COMMAND OUT_DIR   (CLI_COMMAND e.g. "/tmp/dotnet/dotnet /tmp/cli/FastRecurrence.Cli.dll")
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile
from typing import Any

import numpy as np
import torch

CLI = shlex.split(sys.argv[1])
OUT = sys.argv[2]
results: dict[str, Any] = {"parity": [], "timings": []}
failures = 0
# the GPU part: our backend, one layer per cell at (B, T, I, H), the stacks (cell, layers, bidirectional, proj, lengths)
# at (B, T, I, H), and cuDNN's timings at (B, T, I = H)
CUDA_BACKEND = "cuda"
GPU_LAYER_SHAPE, GPU_STACK_SHAPE, TIMED_SHAPE = (4, 256, 32, 64), (4, 64, 24, 48), (16, 1024, 768)
GPU_STACKS = [("lstm", 2, True, 16, [64, 17, 40, 1]), ("gru", 2, True, 0, [64, 5, 33, 64]), ("rnn", 3, False, 0, None),
              ("lstm", 1, False, 0, [10, 64, 3, 50])]


def rel_l2(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        return float("inf")
    n = float(np.linalg.norm(b))
    return float(np.linalg.norm(a - b)) / (n if n > 0 else 1.0)


def run_cli(args):
    proc = subprocess.run(CLI + args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"CLI failed ({proc.returncode}): {' '.join(args)}\n{proc.stdout}\n{proc.stderr}")


def record(name, errors, tolerance):
    global failures
    worst = max(errors.values())
    ok = worst <= tolerance
    failures += 0 if ok else 1
    results["parity"].append({"case": name, "tolerance": tolerance, "ok": ok, "errors": errors})
    print(f"{'PASS' if ok else 'FAIL'} {name}: worst rel L2 {worst:.3e} (tol {tolerance:.0e}) "
          + " ".join(f"{k}={v:.1e}" for k, v in errors.items()), flush=True)


def layer_parity(cell, batch, steps, inp, hidden, dtype, device, tolerance):
    """One layer and direction, full lengths."""
    stack_parity(cell, 1, False, 0, None, dtype, device, tolerance, batch, steps, inp, hidden, seed=1000 + batch * 7 + steps)


def stack_parity(cell, num_layers, bidirectional, proj_size, lengths, dtype, device, tolerance,
                 batch=3, steps=6, inp=5, hidden=6, seed=None, backend=None):
    """A module (num_layers, bidirectional, proj_size) with random h0 / c0 and dL/dy, optionally on packed sequences
    (lengths, unsorted, through pack_padded_sequence / pad_packed_sequence), against the CLI's run with the same
    options and --lengths: y (zero past each length), h_n / c_n in PyTorch's layer-major, direction-minor order, every
    gradient torch autograd gives, and the output dtype following the input's. backend: the CLI's --backend (default:
    the CLI's default, the CPU reference)."""
    if seed is None:
        seed = 2000 + 13 * num_layers + 7 * proj_size + (1 if bidirectional else 0) + (0 if lengths is None else 3)
    torch.manual_seed(seed)
    module_type = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
    options = {"num_layers": num_layers, "bidirectional": bidirectional, "batch_first": True}
    if proj_size:
        options["proj_size"] = proj_size
    module = module_type(inp, hidden, **options).to(device=device, dtype=dtype)
    dirs = 2 if bidirectional else 1
    width = proj_size or hidden
    x = torch.randn(batch, steps, inp, dtype=dtype, device=device, requires_grad=True)
    h0 = (0.5 * torch.randn(num_layers * dirs, batch, width, dtype=dtype, device=device)).requires_grad_()
    c0 = (0.5 * torch.randn(num_layers * dirs, batch, hidden, dtype=dtype, device=device)).requires_grad_()
    dy = torch.randn(batch, steps, dirs * width, dtype=dtype, device=device)
    state0 = (h0, c0) if cell == "lstm" else h0
    if lengths is None:
        y, state = module(x, state0)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths, dtype=torch.int64), batch_first=True,
                                                         enforce_sorted=False)
        packed_y, state = module(packed, state0)
        y, _ = torch.nn.utils.rnn.pad_packed_sequence(packed_y, batch_first=True, total_length=steps)
    hn, cn = state if cell == "lstm" else (state, None)
    (y * dy).sum().backward()

    np_dtype = np.float64 if dtype == torch.float64 else np.float32
    with tempfile.TemporaryDirectory() as work:
        wdir = os.path.join(work, "weights")
        odir = os.path.join(work, "out")
        os.makedirs(wdir)
        for name, param in module.named_parameters():
            np.save(os.path.join(wdir, f"{name}.npy"), param.detach().cpu().numpy().astype(np_dtype))
        for name, tensor in (("x", x), ("h0", h0), ("c0", c0), ("dy", dy)):
            np.save(os.path.join(work, f"{name}.npy"), tensor.detach().cpu().numpy().astype(np_dtype))
        args = ["run", "--cell", cell, "--weights", wdir, "--input", os.path.join(work, "x.npy"), "--out", odir,
                "--h0", os.path.join(work, "h0.npy"), "--grad-output", os.path.join(work, "dy.npy"),
                "--num-layers", str(num_layers)]
        if cell == "lstm":
            args += ["--c0", os.path.join(work, "c0.npy")]
        if bidirectional:
            args += ["--bidirectional"]
        if proj_size:
            args += ["--proj-size", str(proj_size)]
        if lengths is not None:
            np.save(os.path.join(work, "lengths.npy"), np.asarray(lengths, dtype=np.int64))
            args += ["--lengths", os.path.join(work, "lengths.npy")]
        if backend is not None:
            args += ["--backend", backend]
        run_cli(args)
        load = lambda n: np.load(os.path.join(odir, f"{n}.npy"))
        errors = {"y": rel_l2(load("y"), y.detach().cpu()), "h_n": rel_l2(load("h_n"), hn.detach().cpu()),
                  "d_input": rel_l2(load("d_input"), x.grad.cpu()), "d_h0": rel_l2(load("d_h0"), h0.grad.cpu())}
        if cn is not None:
            errors["c_n"] = rel_l2(load("c_n"), cn.detach().cpu())
            errors["d_c0"] = rel_l2(load("d_c0"), c0.grad.cpu())
        for name, param in module.named_parameters():
            errors[f"d_{name}"] = rel_l2(load(f"d_{name}"), param.grad.cpu())
        assert load("y").dtype == np_dtype, "output dtype must follow the input dtype"
    what = f"{cell} layers={num_layers}{' bidirectional' if bidirectional else ''}{f' proj={proj_size}' if proj_size else ''}"
    what += f" lengths={lengths}" if lengths is not None else ""
    what += f" --backend {backend}" if backend is not None else ""
    record(f"{what} B={batch} T={steps} I={inp} H={hidden} {str(dtype).split('.')[-1]} on {device}", errors, tolerance)


def scan_parity(batch, steps, heads, dim):
    torch.manual_seed(7)
    a = (torch.rand(batch, steps, heads, dim, dtype=torch.float64) * 1.98 - 0.99).requires_grad_()
    b = torch.randn(batch, steps, heads, dim, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(batch, heads, dim, dtype=torch.float64, requires_grad=True)
    dh = torch.randn(batch, steps, heads, dim, dtype=torch.float64)
    h, outs = h0, []
    for t in range(steps):
        h = a[:, t] * h + b[:, t]
        outs.append(h)
    hs = torch.stack(outs, dim=1)
    (hs * dh).sum().backward()
    with tempfile.TemporaryDirectory() as work:
        for name, tensor in (("a", a), ("b", b), ("h0", h0), ("dh", dh)):
            np.save(os.path.join(work, f"{name}.npy"), tensor.detach().numpy())
        odir = os.path.join(work, "out")
        run_cli(["scan", "--a", os.path.join(work, "a.npy"), "--b", os.path.join(work, "b.npy"),
                 "--h0", os.path.join(work, "h0.npy"), "--out", odir, "--grad-output", os.path.join(work, "dh.npy")])
        load = lambda n: np.load(os.path.join(odir, f"{n}.npy"))
        errors = {"h": rel_l2(load("h"), hs.detach()), "da": rel_l2(load("da"), a.grad),
                  "db": rel_l2(load("db"), b.grad), "dh0": rel_l2(load("dh0"), h0.grad)}
    record(f"scan B={batch} T={steps} H={heads} D={dim} float64", errors, 1e-12)


def time_cudnn(cell, batch, steps, hidden, dtype, mode):
    """mode: "fwd" (autograd on, as a training forward), "fwd-nograd" (inference, torch.no_grad) or "fwd+bwd"."""
    backward = mode == "fwd+bwd"
    torch.manual_seed(11)
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](hidden, hidden, batch_first=True).cuda().to(dtype)
    x = torch.randn(batch, steps, hidden, device="cuda", dtype=dtype, requires_grad=backward)
    dy = torch.randn(batch, steps, hidden, device="cuda", dtype=dtype)
    def step():
        if mode == "fwd-nograd":
            with torch.no_grad():
                module(x)
            return
        y, _ = module(x)
        if backward:
            y.backward(dy)
    for _ in range(5):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(20):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        step()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    median = float(np.median(times))
    what = f"torch nn.{cell.upper()} (cuDNN) {mode} B={batch} T={steps} I=H={hidden} {str(dtype).split('.')[-1]}"
    results["timings"].append({"what": what, "median_ms": median, "min_ms": float(np.min(times)),
                               "max_ms": float(np.max(times)), "samples_ms": [float(t) for t in times]})
    print(f"TIME {what}: median {median:.3f} ms, min {np.min(times):.3f} ms", flush=True)


def guarded(name, fn, *args, **kwargs):
    """Runs one case; an exception (CLI failure, missing output file) is recorded as a FAIL and the run goes on,
    so that one broken case does not cost the rest of a scarce device call."""
    global failures
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - every failure is reported, none is hidden
        failures += 1
        message = f"{type(e).__name__}: {e}"
        results["parity" if fn is not time_cudnn else "timings"].append({"case": name, "ok": False, "error": message})
        print(f"FAIL {name}: {message}", flush=True)
    save()


def save():
    with open(os.path.join(OUT, "pytorch_parity.json"), "w") as f:
        json.dump(results, f, indent=1)


def main():
    print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), flush=True)
    results["versions"] = {"torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
                           "numpy": np.__version__}
    have_gpu = torch.cuda.is_available()
    if have_gpu:
        props = torch.cuda.get_device_properties(0)
        results["device"] = {"name": props.name, "multiprocessors": props.multi_processor_count,
                             "memory_bytes": props.total_memory}
        print("device", props.name, "SMs", props.multi_processor_count, flush=True)
    for cell in ("lstm", "gru", "rnn"):
        guarded(f"{cell} float64 B=3 T=7 I=5 H=6", layer_parity, cell, 3, 7, 5, 6, torch.float64, "cpu", 1e-10)
        guarded(f"{cell} float64 B=1 T=1 I=2 H=3", layer_parity, cell, 1, 1, 2, 3, torch.float64, "cpu", 1e-10)
    # Issue 10's layers against PyTorch itself: stacks, both directions, projections, packed sequences (unsorted lengths).
    for cell, layers, bidirectional, proj, lengths in (("lstm", 2, True, 0, None), ("lstm", 2, True, 3, [6, 2, 4]),
                                                       ("lstm", 3, False, 2, None), ("lstm", 1, True, 0, [1, 6, 3]),
                                                       ("gru", 2, True, 0, [5, 6, 2]), ("rnn", 2, False, 0, [3, 6, 1])):
        guarded(f"{cell} stack {layers} {bidirectional} {proj} {lengths}", stack_parity, cell, layers, bidirectional, proj,
                lengths, torch.float64, "cpu", 1e-10)
    guarded("scan float64", scan_parity, 2, 33, 3, 4)
    if have_gpu:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        batch, steps, inp, hidden = GPU_LAYER_SHAPE
        for cell in ("lstm", "gru", "rnn"):
            guarded(f"{cell} float32 cuda B={batch} T={steps} I={inp} H={hidden}", layer_parity, cell, batch, steps, inp, hidden,
                    torch.float32, "cuda", 1e-4)
        # Issue 10 on the GPU: our cuda backend (fused kernels with lengths, the projection fold) against cuDNN's stacks.
        batch, steps, inp, hidden = GPU_STACK_SHAPE
        for cell, layers, bidirectional, proj, lengths in GPU_STACKS:
            guarded(f"{cell} stack {layers} {bidirectional} {proj} {lengths} cuda", stack_parity, cell, layers, bidirectional, proj,
                    lengths, torch.float32, "cuda", 1e-4, batch, steps, inp, hidden, None, CUDA_BACKEND)
        for cell in ("lstm", "gru"):
            for dtype in (torch.float16, torch.bfloat16):
                for mode in ("fwd", "fwd-nograd", "fwd+bwd"):
                    guarded(f"time {cell} {dtype} {mode}", time_cudnn, cell, *TIMED_SHAPE, dtype, mode)
        print("TABLE", flush=True)
        for t in results["timings"]:
            if "median_ms" in t:
                print(f"  {t['what']:<72} median {t['median_ms']:9.3f} ms  min {t['min_ms']:9.3f} ms", flush=True)
    save()
    print(f"SUMMARY parity cases: {len(results['parity'])}, failed: {failures}", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
