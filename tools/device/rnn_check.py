#!/usr/bin/env python3
"""GPU check of the recurrent forward kernels (issue 7, items 5 and the numbers), run by run_rnn_check.sh on a lent
H100 / H200.

1. correctness matrix: every cell x storage (fp32 exact, fp32 tf32, bf16, fp16) x (D, NH) in {(32, 4), (64, 12),
   (128, 1), (768, 1), (1024, 1)} x (B, T) in {(1, 1), (3, 7), (16, 1024), (64, 7)}, with the planner's plan for this
   card (which picks the regime: single block, cluster, grid barrier, or the alternating fallback), through the C ABI
   (ctypes on torch tensors and torch's current stream), outputs poisoned with NaN, against a float64 torch
   reference (math.md section 2), relative L2 within math.md section 7;
2. the same weights through torch nn.LSTM / nn.GRU / nn.RNN (cuDNN, fp32, tf32 off) for NH = 1;
3. timings (CUDA events, median of repeats) beside torch: LSTM B 16 T 1024 hidden 768 bf16 against nn.LSTM (cuDNN)
   with and without its input GEMM; sLSTM 12 x 64 bf16; LSTM one head of 2560 bf16.
Usage: rnn_check.py CLI_COMMAND OUT_DIR [--quick]
"""
import json
import math
import os
import shlex
import subprocess
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import fastrecurrence_ctypes as fr  # noqa: E402
from torch_checks import catalog_name, rel_l2  # noqa: E402

CLI = shlex.split(sys.argv[1])
OUT = sys.argv[2]
QUICK = "--quick" in sys.argv
CELLS = {"lstm": (4, 4, 2), "gru": (3, 4, 1), "slstm": (4, 4, 4), "rnn": (1, 1, 1)}  # gates, biases, states
STORAGE = {"fp32": (torch.float32, False), "tf32": (torch.float32, True), "bf16": (torch.bfloat16, False),
           "fp16": (torch.float16, False)}
TOLERANCE = {"fp32": 1e-5, "tf32": 5e-3, "bf16": 2e-2, "fp16": 2e-2}
results = {"cases": [], "torch": [], "timings": []}
failures = 0


def plan(cell, storage, batch, steps, heads, head_size):
    dtype = "fp32" if storage == "tf32" else storage
    args = CLI + ["plan", "--gpu", catalog_name(), "--cell", cell, "--hidden", str(heads * head_size), "--heads", str(heads),
                  "--batch", str(batch), "--steps", str(steps), "--dtype", dtype, "--abi-json"]
    if storage == "tf32":
        args.append("--tf32")
    abi = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    return abi, fr.plan_from_abi_json(abi)


def reference(cell, wx, r, bias, initial):
    """float64 forward (math.md section 2) over [B, T, G, NH, D] inputs; returns y [B, T, NH, D], last [S, B, NH, D]."""
    wx, r, bias = wx.double(), r.double(), bias.double()
    state = [s.double().clone() for s in initial]
    ys = []
    for t in range(wx.shape[1]):
        rh = torch.einsum("ghdk,bhk->bghd", r, state[0])  # [B, G, NH, D]
        g = wx[:, t] + rh
        if cell == "lstm":
            i, f = torch.sigmoid(g[:, 0] + bias[0]), torch.sigmoid(g[:, 1] + bias[1])
            z, o = torch.tanh(g[:, 2] + bias[2]), torch.sigmoid(g[:, 3] + bias[3])
            c = f * state[1] + i * z
            state = [o * torch.tanh(c), c]
        elif cell == "gru":
            rg, u = torch.sigmoid(g[:, 0] + bias[0]), torch.sigmoid(g[:, 1] + bias[1])
            n = torch.tanh(wx[:, t, 2] + bias[2] + rg * (rh[:, 2] + bias[3]))
            state = [(1 - u) * n + u * state[0]]
        elif cell == "slstm":
            gi, gf = g[:, 0] + bias[0], g[:, 1] + bias[1]
            z, o = torch.tanh(g[:, 2] + bias[2]), torch.sigmoid(g[:, 3] + bias[3])
            log_f = torch.nn.functional.logsigmoid(gf) + state[3]
            m = torch.where(state[2] == 0, gi, torch.maximum(gi, log_f))
            ig, fg = torch.exp(gi - m), torch.exp(log_f - m)
            c, n = fg * state[1] + ig * z, fg * state[2] + ig
            state = [o * c / n, c, n, m]
        else:
            state = [torch.tanh(g[:, 0] + bias[0])]
        ys.append(state[0])
    return torch.stack(ys, 1), torch.stack(state, 0)


def inputs(cell, dtype, batch, steps, heads, head_size, seed):
    g, gb, s = CELLS[cell]
    gen = torch.Generator(device="cuda").manual_seed(seed)
    scale = 1.0 / math.sqrt(head_size)
    wx = torch.randn(batch, steps, g, heads, head_size, device="cuda", generator=gen).to(dtype)
    r = (torch.rand(g, heads, head_size, head_size, device="cuda", generator=gen) * 2 - 1).mul(scale).to(dtype)
    bias = (torch.rand(gb, heads, head_size, device="cuda", generator=gen) * 2 - 1).mul(scale).to(dtype)
    initial = torch.zeros(s, batch, heads, head_size, device="cuda", dtype=dtype)
    if cell != "slstm":
        initial.uniform_(-0.5, 0.5, generator=gen)
    return wx, r, bias, initial


def pack(lib, context, plan_tuple, r):
    """R in the fused plan's fragment layout (once per weight update), or None for an alternating plan."""
    elements = fr.c_int64()
    if lib.fr_rnn_packed_recurrent_size(plan_tuple[0], fr.ctypes.byref(elements)) != 0:
        return None
    packed = torch.empty(elements.value, device="cuda", dtype=r.dtype)
    fr.check(lib, lib.fr_rnn_pack_recurrent(context, plan_tuple[0], fr.tensor(r), fr.tensor(packed),
                                            torch.cuda.current_stream().cuda_stream))
    return packed


def run(lib, context, plan_tuple, wx, r, bias, initial, y, last):
    stream = torch.cuda.current_stream().cuda_stream
    fr.check(lib, lib.fr_rnn_forward(context, plan_tuple[0], fr.tensor(wx), fr.tensor(r), fr.tensor(bias),
                                     fr.tensor(initial), fr.tensor(y), None, fr.tensor(last), stream))


def correctness(lib, context):
    global failures
    shapes = [(32, 4), (64, 12), (128, 1), (768, 1), (1024, 1)]
    runs = [(1, 1), (3, 7), (16, 1024), (64, 7)]
    if QUICK:
        shapes, runs = [(64, 12), (768, 1)], [(3, 7), (16, 1024)]
    for cell in CELLS:
        for storage, (dtype, _) in STORAGE.items():
            for head_size, heads in shapes:
                for batch, steps in runs:
                    case = {"cell": cell, "storage": storage, "D": head_size, "NH": heads, "B": batch, "T": steps}
                    try:
                        abi, plan_tuple = plan(cell, storage, batch, steps, heads, head_size)
                        case["source"] = abi["source_name"]
                        case["regime"] = abi["defines"].get("FR_REGIME", 0)
                        wx, r, bias, initial = inputs(cell, dtype, batch, steps, heads, head_size, 7 + batch + head_size)
                        y = torch.full((batch, steps, heads, head_size), float("nan"), device="cuda", dtype=dtype)
                        last = torch.full_like(initial, float("nan"))
                        packed = pack(lib, context, plan_tuple, r) if batch == 3 else None  # both R layouts are checked
                        run(lib, context, plan_tuple, wx, packed if packed is not None else r, bias, initial, y, last)
                        torch.cuda.synchronize()
                        case["packed_r"] = packed is not None
                        y_ref, last_ref = reference(cell, wx, r, bias, initial)
                        case["y"] = rel_l2(y, y_ref)
                        case["last"] = rel_l2(last, last_ref)
                        case["ok"] = case["y"] <= TOLERANCE[storage] and case["last"] <= TOLERANCE[storage]
                    except Exception as e:  # noqa: BLE001 - every case reports, none stops the matrix
                        case["error"] = str(e)[:400]
                        case["ok"] = False
                    failures += 0 if case["ok"] else 1
                    results["cases"].append(case)
                    print(json.dumps(case), flush=True)


def torch_parity(lib, context):
    """Our fp32 forward and torch's recurrent modules (cuDNN, tf32 off) on the same weights, NH = 1."""
    global failures
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    modules = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}
    for cell, module in modules.items():
        g, _, _ = CELLS[cell]
        batch, steps, d = 16, 64, 128
        wx, r, bias, initial = inputs(cell, torch.float32, batch, steps, 1, d, 99)
        net = module(g * d, d, batch_first=True).cuda() if cell != "rnn" else module(d, d, batch_first=True).cuda()
        with torch.no_grad():
            if cell == "rnn":
                net.weight_ih_l0.copy_(torch.eye(d, device="cuda"))
            else:
                net.weight_ih_l0.copy_(torch.eye(g * d, device="cuda"))
            net.weight_hh_l0.copy_(r.reshape(g * d, d))
            if cell == "gru":  # r, z, n_input on the input side; n_hidden on the hidden side
                net.bias_ih_l0.copy_(bias[:3].reshape(-1))
                net.bias_hh_l0.zero_()
                net.bias_hh_l0[2 * d:].copy_(bias[3, 0])
            else:
                net.bias_ih_l0.copy_(bias.reshape(-1))
                net.bias_hh_l0.zero_()
            x = wx.reshape(batch, steps, g * d)
            h0 = initial[0].reshape(1, batch, d).contiguous()
            if cell == "lstm":
                out, _ = net(x, (h0, initial[1].reshape(1, batch, d).contiguous()))
            else:
                out, _ = net(x, h0)
        _, plan_tuple = plan(cell, "fp32", batch, steps, 1, d)
        y = torch.full((batch, steps, 1, d), float("nan"), device="cuda")
        last = torch.full_like(initial, float("nan"))
        run(lib, context, plan_tuple, wx, r, bias, initial, y, last)
        torch.cuda.synchronize()
        error = rel_l2(y.reshape(batch, steps, d), out.double())
        ok = error <= 1e-5
        failures += 0 if ok else 1
        results["torch"].append({"cell": cell, "module": module.__name__, "rel_l2": error, "ok": ok})
        print(json.dumps(results["torch"][-1]), flush=True)


def time_ms(function, repeats=20):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(repeats + 3):
        start.record()
        function()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    times = sorted(times[3:])
    return times[len(times) // 2]


def timings(lib, context):
    torch.backends.cudnn.allow_tf32 = True
    cases = [("lstm", "bf16", 16, 1024, 1, 768), ("slstm", "bf16", 16, 1024, 12, 64), ("lstm", "bf16", 16, 1024, 1, 2560),
             ("gru", "bf16", 16, 1024, 1, 768), ("lstm", "fp32", 16, 1024, 1, 768), ("lstm", "tf32", 16, 1024, 1, 768)]
    for cell, storage, batch, steps, heads, d in cases:
        dtype = STORAGE[storage][0]
        entry = {"cell": cell, "storage": storage, "B": batch, "T": steps, "NH": heads, "D": d}
        try:
            abi, plan_tuple = plan(cell, storage, batch, steps, heads, d)
            entry["source"] = abi["source_name"]
            entry["regime"] = abi["defines"].get("FR_REGIME", 0)
            entry["blocks"] = abi["grid"]
            wx, r, bias, initial = inputs(cell, dtype, batch, steps, heads, d, 3)
            y = torch.empty((batch, steps, heads, d), device="cuda", dtype=dtype)
            last = torch.empty_like(initial)
            entry["ours_ms"] = time_ms(lambda: run(lib, context, plan_tuple, wx, r, bias, initial, y, last))
            packed = pack(lib, context, plan_tuple, r)
            if packed is not None:  # the production path: R packed once, every call reads the fragment layout
                entry["ours_packed_ms"] = time_ms(lambda: run(lib, context, plan_tuple, wx, packed, bias, initial, y, last))
            if cell in ("lstm", "gru") and heads == 1:
                g = CELLS[cell][0]
                net = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(d, d, batch_first=True).cuda().to(dtype)
                x = torch.randn(batch, steps, d, device="cuda", dtype=dtype)
                w_ih = torch.randn(g * d, d, device="cuda", dtype=dtype)
                with torch.no_grad():
                    entry["torch_cudnn_ms"] = time_ms(lambda: net(x))
                    entry["input_gemm_ms"] = time_ms(lambda: x @ w_ih.t())
                ours = entry.get("ours_packed_ms", entry["ours_ms"])
                entry["speedup_vs_cudnn"] = entry["torch_cudnn_ms"] / (ours + entry["input_gemm_ms"])
        except Exception as e:  # noqa: BLE001
            entry["error"] = str(e)[:400]
        results["timings"].append(entry)
        print(json.dumps(entry), flush=True)


def main():
    lib = fr.load()
    context = fr.c_void_p()
    fr.check(lib, lib.fr_context_create(0, fr.ctypes.byref(context)))
    correctness(lib, context)
    torch_parity(lib, context)
    timings(lib, context)
    with open(os.path.join(OUT, "rnn_check.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(f"\n{len(results['cases'])} matrix cases, {sum(not c['ok'] for c in results['cases'])} failed; "
          f"{len(results['torch'])} torch parity cases, {sum(not c['ok'] for c in results['torch'])} failed")
    print(f"{'cell':6} {'type':5} {'B':>3} {'T':>5} {'NH':>3} {'D':>5} {'kernel':16} {'ours ms':>8} {'cuDNN ms':>9} "
          f"{'GEMM ms':>8} {'speedup':>7}")
    for t in results["timings"]:
        print(f"{t['cell']:6} {t['storage']:5} {t['B']:3} {t['T']:5} {t['NH']:3} {t['D']:5} "
              f"{t.get('source', '-') + '/' + str(t.get('regime', '-')):16} {t.get('ours_packed_ms', t.get('ours_ms', float('nan'))):8.3f} "
              f"{t.get('torch_cudnn_ms', float('nan')):9.3f} {t.get('input_gemm_ms', float('nan')):8.3f} "
              f"{t.get('speedup_vs_cudnn', float('nan')):7.2f}  {t.get('error', '')}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
