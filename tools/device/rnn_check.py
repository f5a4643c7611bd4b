#!/usr/bin/env python3
"""GPU check of the recurrent forward kernels (issue 7, items 5 and the numbers), run by run_rnn_check.sh on a lent
H100 / H200.

0. every section's plans asked from the CLI and their modules compiled ahead, side by side (compile_ahead.py), so the
   sections only load; then the correctness matrix and right after it the timings (a step cut short still has them);
1. correctness matrix: every cell x storage (fp32 exact, fp32 tf32, bf16, fp16) x (D, NH) in {(32, 4), (64, 12),
   (128, 1), (768, 1), (1024, 1)} x (B, T) in {(1, 1), (3, 7), (16, 1024), (64, 7)}, with the planner's plan for this
   card (which picks the regime: single block, cluster, grid barrier, or the alternating fallback), through the C ABI
   (ctypes on torch tensors and torch's current stream), outputs poisoned with NaN, against a float64 torch
   reference (math.md section 2), relative L2 within math.md section 7;
2. the same weights through torch nn.LSTM / nn.GRU / nn.RNN (cuDNN, fp32, tf32 off) for NH = 1;
   and per-sequence lengths: every cell and storage with the plan for calls with lengths (`plan --lengths`), against
   the float64 reference of each sequence alone (y zero past its length, last states at its length);
   and heads beyond the chip: every cell and storage at one head of 2560, B 16, T 64 (fused plans that stream R tiles
   from L2, decision 0023), R packed and as given;
3. timings (CUDA events, median of repeats) beside torch: LSTM B 16 T 1024 hidden 768 bf16 against nn.LSTM (cuDNN)
   with and without its input GEMM; sLSTM 12 x 64 bf16; LSTM one head of 2560 bf16 (a fused plan that streams R tiles
   from L2, decision 0023, timed beside the alternating plan of the same problem: `streamed_tiles`, `alternating_ms`).
Usage: rnn_check.py CLI_COMMAND OUT_DIR [--quick]
"""
import json
import os
import shlex
import sys
from typing import Any

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import fastrecurrence_ctypes as fr  # noqa: E402
from rnn_torch import CELLS, STORAGE, TOLERANCE, inputs, plan_and_compile_ahead, reference, time_ms  # noqa: E402
from rnn_torch import plan as plan_with  # noqa: E402
from torch_checks import checked_case, open_context, rel_l2, run_sections, versions, watchdog  # noqa: E402

CLI = shlex.split(sys.argv[1])
OUT = sys.argv[2]
QUICK = "--quick" in sys.argv
results: dict[str, Any] = {"cases": [], "torch": [], "lengths": [], "streamed": [], "timings": []}
# the sections' problems (planned and compiled ahead by compile_everything from these lists)
MATRIX_SHAPES = [(64, 12), (768, 1)] if QUICK else [(32, 4), (64, 12), (128, 1), (768, 1), (1024, 1)]  # (D, NH)
MATRIX_RUNS = [(3, 7), (16, 1024)] if QUICK else [(1, 1), (3, 7), (16, 1024), (64, 7)]  # (B, T)
# the first is the headline, also timed with its lengths plan (every length T: what the length check costs)
TIMING_CASES = [("lstm", "bf16", 16, 1024, 1, 768), ("slstm", "bf16", 16, 1024, 12, 64), ("lstm", "bf16", 16, 1024, 1, 2560),
                ("gru", "bf16", 16, 1024, 1, 768), ("lstm", "fp32", 16, 1024, 1, 768), ("lstm", "tf32", 16, 1024, 1, 768)]
PARITY_CELLS, PARITY_SHAPE = ("lstm", "gru", "rnn"), (16, 64, 128)  # torch modules at (B, T, D), NH = 1, fp32
SEQUENCE_LENGTHS, LENGTHS_STEPS = [37, 1, 20, 37, 9], 37
LENGTHS_SHAPES = [(64, 12)] if QUICK else [(64, 12), (768, 1)]
STREAMED_SHAPE = (16, 64, 1, 2560)  # B, T, NH, D
STREAMED_HEAD_FROM = 2560  # a one-head timing case this large is also planned on the alternating fallback, to compare


failures = 0


def plan(cell, storage, batch, steps, heads, head_size, lengths=False, family=None):
    return plan_with(CLI, cell, storage, batch, steps, heads, head_size, lengths=lengths, family=family)


def pack(lib, context, plan_tuple, r):
    """R in the fused plan's fragment layout (once per weight update), or None for an alternating plan."""
    elements = fr.c_int64()
    if lib.fr_rnn_packed_recurrent_size(plan_tuple[0], fr.ctypes.byref(elements)) != 0:
        return None
    packed = torch.empty(elements.value, device="cuda", dtype=r.dtype)
    fr.check(lib, lib.fr_rnn_pack_recurrent(context, plan_tuple[0], fr.tensor(r), fr.tensor(packed),
                                            torch.cuda.current_stream().cuda_stream))
    return packed


def run(lib, context, plan_tuple, wx, r, bias, initial, y, last, lengths=None):
    """fr_rnn_forward; `lengths`: a device int32 [B] tensor or None (every sequence T long)."""
    stream = torch.cuda.current_stream().cuda_stream
    fr.check(lib, lib.fr_rnn_forward(context, plan_tuple[0], fr.tensor(wx), fr.tensor(r), fr.tensor(bias),
                                     fr.tensor(initial), fr.tensor(y), None, fr.tensor(last),
                                     None if lengths is None else lengths.data_ptr(), stream))


def planned_calls():
    """plan()'s arguments for every problem of every section, for compile_everything."""
    def call(cell, storage, batch, steps, heads, head_size, **options):
        return dict(cell=cell, storage=storage, batch=batch, steps=steps, heads=heads, head_size=head_size, **options)
    calls = [call(cell, storage, batch, steps, heads, d)
             for cell in CELLS for storage in STORAGE for d, heads in MATRIX_SHAPES for batch, steps in MATRIX_RUNS]
    calls += [call(*case) for case in TIMING_CASES] + [call(*TIMING_CASES[0], lengths=True)]
    calls += [call(*case, family="alternating") for case in TIMING_CASES if case[5] >= STREAMED_HEAD_FROM]  # beside a streamed plan
    batch, steps, d = PARITY_SHAPE
    calls += [call(cell, "fp32", batch, steps, 1, d) for cell in PARITY_CELLS]
    calls += [call(cell, storage, len(SEQUENCE_LENGTHS), LENGTHS_STEPS, heads, d, lengths=True)
              for cell in CELLS for storage in STORAGE for d, heads in LENGTHS_SHAPES]
    batch, steps, heads, d = STREAMED_SHAPE
    calls += [call(cell, storage, batch, steps, heads, d) for cell in CELLS for storage in STORAGE]
    return calls


def compile_everything(lib, context):
    """Every section's plans, asked and compiled ahead (NVRTC side by side): the sections then only load."""
    results["compile_ahead"] = summary = plan_and_compile_ahead(lib, CLI, planned_calls())
    print(json.dumps({"compile_ahead": summary}), flush=True)


def correctness(lib, context):
    global failures
    for cell in CELLS:
        for storage, (dtype, _) in STORAGE.items():
            for head_size, heads in MATRIX_SHAPES:
                for batch, steps in MATRIX_RUNS:
                    case = {"cell": cell, "storage": storage, "D": head_size, "NH": heads, "B": batch, "T": steps}

                    def check(case, cell=cell, storage=storage, dtype=dtype, head_size=head_size, heads=heads,
                              batch=batch, steps=steps):
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
                        return case["y"] <= TOLERANCE[storage] and case["last"] <= TOLERANCE[storage]
                    failures += checked_case(case, check, results["cases"])


def streamed_cases(lib, context):
    """Heads with no on-chip plan (decision 0023): every cell and storage at one head of 2560, B 16, T 64, with the
    planner's plan (a fused one streams R tiles from L2 where the L2 holds them, else the alternating fallback), R packed
    and (bf16) as given, against the float64 reference."""
    global failures
    batch, steps, heads, head_size = STREAMED_SHAPE
    for cell in CELLS:
        for storage, (dtype, _) in STORAGE.items():
            for packed_r in (True, False) if storage == "bf16" else (True,):
                case = {"cell": cell, "storage": storage, "D": head_size, "NH": heads, "B": batch, "T": steps}

                def check(case, cell=cell, storage=storage, dtype=dtype, packed_r=packed_r):
                    abi, plan_tuple = plan(cell, storage, batch, steps, heads, head_size)
                    case["source"] = abi["source_name"]
                    case["regime"] = abi["defines"].get("FR_REGIME", 0)
                    case["streamed_tiles"] = abi["defines"].get("FR_STREAMED_ROW_TILES", 0)
                    wx, r, bias, initial = inputs(cell, dtype, batch, steps, heads, head_size, 11)
                    y = torch.full((batch, steps, heads, head_size), float("nan"), device="cuda", dtype=dtype)
                    last = torch.full_like(initial, float("nan"))
                    packed = pack(lib, context, plan_tuple, r) if packed_r else None
                    case["packed_r"] = packed is not None
                    run(lib, context, plan_tuple, wx, packed if packed is not None else r, bias, initial, y, last)
                    torch.cuda.synchronize()
                    y_ref, last_ref = reference(cell, wx, r, bias, initial)
                    case["y"] = rel_l2(y, y_ref)
                    case["last"] = rel_l2(last, last_ref)
                    return case["y"] <= TOLERANCE[storage] and case["last"] <= TOLERANCE[storage]
                failures += checked_case(case, check, results["streamed"])


def torch_parity(lib, context):
    """Our fp32 forward and torch's recurrent modules (cuDNN, tf32 off) on the same weights, NH = 1."""
    global failures
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    modules = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}
    for cell in PARITY_CELLS:
        module = modules[cell]
        g, _, _ = CELLS[cell]
        batch, steps, d = PARITY_SHAPE
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
        ok = error <= 2e-5  # two fp32 results, each within math.md's 1e-5 of float64: at most 2e-5 apart
        failures += 0 if ok else 1
        results["torch"].append({"cell": cell, "module": module.__name__, "rel_l2": error, "ok": ok})
        print(json.dumps(results["torch"][-1]), flush=True)


def lengths_cases(lib, context):
    """The plans for calls with lengths (their FR_LENGTHS builds) in every cell and storage, small heads and one head
    split over blocks, against each sequence's float64 reference run alone."""
    global failures
    steps, sequence_lengths = LENGTHS_STEPS, SEQUENCE_LENGTHS
    batch = len(sequence_lengths)
    for cell in CELLS:
        for storage, (dtype, _) in STORAGE.items():
            for head_size, heads in LENGTHS_SHAPES:
                case = {"cell": cell, "storage": storage, "D": head_size, "NH": heads, "B": batch, "T": steps,
                        "lengths": sequence_lengths}

                def check(case, cell=cell, storage=storage, dtype=dtype, head_size=head_size, heads=heads):
                    abi, plan_tuple = plan(cell, storage, batch, steps, heads, head_size, lengths=True)
                    case["source"] = abi["source_name"]
                    case["regime"] = abi["defines"].get("FR_REGIME", 0)
                    case["fr_lengths"] = abi["defines"].get("FR_LENGTHS", 0)
                    wx, r, bias, initial = inputs(cell, dtype, batch, steps, heads, head_size, 11 + head_size)
                    lengths = torch.tensor(sequence_lengths, device="cuda", dtype=torch.int32)
                    y = torch.full((batch, steps, heads, head_size), float("nan"), device="cuda", dtype=dtype)
                    last = torch.full_like(initial, float("nan"))
                    run(lib, context, plan_tuple, wx, r, bias, initial, y, last, lengths)
                    torch.cuda.synchronize()
                    y_ref = torch.zeros(y.shape, device="cuda", dtype=torch.float64)
                    last_ref = torch.zeros(last.shape, device="cuda", dtype=torch.float64)
                    for b, length in enumerate(sequence_lengths):
                        y_b, last_b = reference(cell, wx[b:b + 1, :length], r, bias, initial[:, b:b + 1])
                        y_ref[b:b + 1, :length] = y_b
                        last_ref[:, b:b + 1] = last_b
                    case["y"] = rel_l2(y, y_ref)
                    case["last"] = rel_l2(last, last_ref)
                    return (case["fr_lengths"] == 1 or case["source"] != "rnn_forward") and \
                        case["y"] <= TOLERANCE[storage] and case["last"] <= TOLERANCE[storage]
                failures += checked_case(case, check, results["lengths"])


def timings(lib, context):
    global failures
    for cell, storage, batch, steps, heads, d in TIMING_CASES:
        dtype = STORAGE[storage][0]
        # the peers in the row's own arithmetic: cuDNN and the input GEMM in tf32 beside our tf32 plan, exact beside fp32
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = storage == "tf32"
        entry: dict[str, Any] = {"cell": cell, "storage": storage, "B": batch, "T": steps, "NH": heads, "D": d}
        with watchdog():  # a plan that hangs ends the process, not the step
            try:
                abi, plan_tuple = plan(cell, storage, batch, steps, heads, d)
                entry["source"] = abi["source_name"]
                entry["regime"] = abi["defines"].get("FR_REGIME", 0)
                entry["blocks"] = abi["grid"]
                entry["streamed_tiles"] = abi["defines"].get("FR_STREAMED_ROW_TILES", 0)
                wx, r, bias, initial = inputs(cell, dtype, batch, steps, heads, d, 3)
                y = torch.empty((batch, steps, heads, d), device="cuda", dtype=dtype)
                last = torch.empty_like(initial)
                entry["ours_ms"] = time_ms(lambda: run(lib, context, plan_tuple, wx, r, bias, initial, y, last))
                if (cell, storage, batch, steps, heads, d) == TIMING_CASES[0]:  # the headline's length check, every length T
                    _, lengths_plan = plan(cell, storage, batch, steps, heads, d, lengths=True)
                    full = torch.full((batch,), steps, device="cuda", dtype=torch.int32)
                    entry["ours_lengths_ms"] = time_ms(lambda: run(lib, context, lengths_plan, wx, r, bias, initial, y, last, full))
                packed = pack(lib, context, plan_tuple, r)
                if packed is not None:  # the production path: R packed once, every call reads the fragment layout
                    entry["ours_packed_ms"] = time_ms(lambda: run(lib, context, plan_tuple, wx, packed, bias, initial, y, last))
                if entry["streamed_tiles"]:  # does streaming from L2 beat the alternating fallback it replaced?
                    _, alternating_plan = plan(cell, storage, batch, steps, heads, d, family="alternating")
                    entry["alternating_ms"] = time_ms(lambda: run(lib, context, alternating_plan, wx, r, bias, initial, y, last))
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
            except Exception as e:  # noqa: BLE001 (a headline number that could not be measured fails the step)
                entry["error"] = str(e)[:400]
                failures += 1
        results["timings"].append(entry)
        print(json.dumps(entry), flush=True)


def main():
    global failures
    lib = fr.load()
    context = open_context(lib)
    results["versions"] = versions()  # whether the bf16 "cuDNN" peer is cuDNN
    # the headline timings right after the matrix: a step cut short by its time limit still has them
    raised = run_sections((compile_everything, correctness, timings, torch_parity, lengths_cases, streamed_cases),
                          lib, context, results, os.path.join(OUT, "rnn_check.json"))
    failures += raised  # not `failures += run_sections(...)`: that reads failures before the sections add to it
    print(f"\n{len(results['cases'])} matrix cases, {sum(not c['ok'] for c in results['cases'])} failed; "
          f"{len(results['torch'])} torch parity cases, {sum(not c['ok'] for c in results['torch'])} failed; "
          f"{len(results['lengths'])} lengths cases, {sum(not c['ok'] for c in results['lengths'])} failed; "
          f"{len(results['streamed'])} streamed-tile cases, {sum(not c['ok'] for c in results['streamed'])} failed")
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
