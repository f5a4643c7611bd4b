#!/usr/bin/env python3
"""GPU check of the recurrent backward (issue 8, items 4, 5 and the numbers), run by run_rnn_check.sh after the
forward check on a lent H100 / H200.

0. every section's plans asked from the CLI and their modules compiled ahead, side by side (compile_ahead.py), so the
   sections only load; then the correctness matrix and right after it the timings (a step cut short still has them);
1. correctness matrix: every cell x storage (fp32 exact, fp32 tf32, bf16, fp16) x (D, NH) x (B, T), with the planner's
   forward and backward plans for this card (fused in its regime, or the alternating fallback), through the C ABI
   (fr_rnn_forward_training, fr_rnn_backward on torch tensors and torch's current stream), gradient outputs poisoned
   with NaN, against torch autograd of the float64 reference forward (rnn_torch.reference), relative L2 within math.md
   section 7;
2. determinism: the same backward twice gives the same bits (torch.equal on every gradient);
3. the same weights through torch nn.LSTM / nn.GRU / nn.RNN (cuDNN, fp32, tf32 off) and autograd, NH = 1;
   per-sequence lengths: every cell and storage with the plans for calls with lengths (`plan --lengths`, the FR_LENGTHS
   builds), against autograd of each sequence's float64 reference run alone, and bitwise repeatable;
4. forward + backward timings beside nn.LSTM forward + backward (cuDNN): LSTM B 16 T 1024 hidden 768 bf16 and more;
5. the recompute option: every cell and storage at the matrix's last shape and run with a states-only reserve
   (fr_rnn_states_reserve_size: the backward recomputes the gate products), against the same reference.
Usage: rnn_backward_check.py CLI_COMMAND OUT_DIR [--quick]
"""
import json
import os
import shlex
import sys
from typing import Any

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import fastrecurrence_ctypes as fr  # noqa: E402
from rnn_torch import CELLS, STORAGE, inputs, plan, plan_and_compile_ahead, reference, time_ms  # noqa: E402
from torch_checks import checked_case, open_context, rel_l2, run_sections, versions, watchdog  # noqa: E402

CLI = shlex.split(sys.argv[1])
OUT = sys.argv[2]
QUICK = "--quick" in sys.argv
GRADIENT_TOLERANCE = {"fp32": 1e-5, "tf32": 1e-2, "bf16": 3e-2, "fp16": 3e-2}
results: dict[str, Any] = {"cases": [], "torch": [], "lengths": [], "recompute": [], "timings": []}
# the sections' problems (planned and compiled ahead by compile_everything from these lists)
MATRIX_SHAPES = [(64, 12), (768, 1)] if QUICK else [(32, 4), (64, 12), (128, 1), (768, 1)]  # (D, NH)
MATRIX_RUNS = [(3, 7), (16, 256)] if QUICK else [(1, 1), (3, 7), (16, 256)]  # (B, T)
TIMING_CASES = [("lstm", "bf16", 16, 1024, 1, 768), ("slstm", "bf16", 16, 1024, 12, 64), ("gru", "bf16", 16, 1024, 1, 768),
                ("lstm", "fp32", 16, 1024, 1, 768)]
PARITY_CELLS, PARITY_SHAPE = ("lstm", "gru", "rnn"), (16, 64, 128)  # torch modules at (B, T, D), NH = 1, fp32
SEQUENCE_LENGTHS, LENGTHS_STEPS = [37, 1, 20, 37, 9], 37
LENGTHS_SHAPES = [(64, 12)] if QUICK else [(64, 12), (768, 1)]
failures = 0


class Training:
    """One problem's plans, device buffers and calls: the training forward, then the backward. `lengths`: a list of B
    sequence lengths (the plans for calls with lengths, and a device int32 tensor of them), or None (all T)."""

    def __init__(self, lib, context, cell, storage, batch, steps, heads, d, seed, lengths=None, states_only=False):
        dtype = STORAGE[storage][0]
        self.lib, self.context, self.cell = lib, context, cell
        with_lengths = lengths is not None
        self.forward_abi, self.forward_plan = plan(CLI, cell, storage, batch, steps, heads, d, lengths=with_lengths)
        self.backward_abi, self.backward_plan = plan(CLI, cell, storage, batch, steps, heads, d, backward=True,
                                                     lengths=with_lengths)
        self.lengths = lengths
        self.lengths_device = None if lengths is None else torch.tensor(lengths, device="cuda", dtype=torch.int32)
        self.wx, self.r, self.bias, self.initial = inputs(cell, dtype, batch, steps, heads, d, seed)
        gen = torch.Generator(device="cuda").manual_seed(seed + 1)
        self.dy = torch.randn(batch, steps, heads, d, device="cuda", generator=gen).to(dtype)
        self.d_last = torch.randn(self.initial.shape, device="cuda", generator=gen).to(dtype)
        if cell == "slstm":
            self.d_last[1:] = 0  # the loss reaches the last states through y alone (math.md section 2)
        elements = fr.c_int64()
        reserve_size = lib.fr_rnn_states_reserve_size if states_only else lib.fr_rnn_reserve_size
        fr.check(lib, reserve_size(self.forward_plan[0], batch, steps, fr.ctypes.byref(elements)))
        self.reserve = torch.empty(elements.value, device="cuda", dtype=torch.float32)
        self.y = torch.empty(batch, steps, heads, d, device="cuda", dtype=dtype)
        self.grads = [torch.full_like(t, float("nan")) for t in (self.wx, self.r, self.bias, self.initial)]

    def forward(self):
        fr.check(self.lib, self.lib.fr_rnn_forward_training(
            self.context, self.forward_plan[0], fr.tensor(self.wx), fr.tensor(self.r), fr.tensor(self.bias),
            fr.tensor(self.initial), fr.tensor(self.y), None, None, fr.tensor(self.reserve), self.lengths_pointer(),
            torch.cuda.current_stream().cuda_stream))

    def lengths_pointer(self):
        return None if self.lengths_device is None else self.lengths_device.data_ptr()

    def backward(self):
        dwx, dr, dbias, d_initial = self.grads
        fr.check(self.lib, self.lib.fr_rnn_backward(
            self.context, self.backward_plan[0], None, fr.tensor(self.wx), fr.tensor(self.r), fr.tensor(self.bias),
            fr.tensor(self.initial), fr.tensor(self.y), fr.tensor(self.reserve), fr.tensor(self.dy), fr.tensor(self.d_last),
            fr.tensor(dwx), fr.tensor(dr), fr.tensor(dbias), fr.tensor(d_initial), self.lengths_pointer(),
            torch.cuda.current_stream().cuda_stream))

    def check_gradients(self, case, tolerance):
        """The training forward, then the backward twice: into `case` whether the two are bit-identical and each
        gradient's relative L2 against the float64 reference; True when both hold within `tolerance`."""
        self.forward()
        self.backward()
        torch.cuda.synchronize()
        first = [g.clone() for g in self.grads]
        self.backward()
        torch.cuda.synchronize()
        case["bitwise_repeatable"] = all(torch.equal(a, b) for a, b in zip(first, self.grads))
        names = ("dwx", "dr", "dbias", "d_initial")
        for name, got, want in zip(names, first, self.reference_gradients()):
            case[name] = rel_l2(got, want)
        return case["bitwise_repeatable"] and all(case[n] <= tolerance for n in names)

    def reference_gradients(self):
        """torch autograd of the float64 reference: d(sum(dy * y) + sum(d_last * last)) / d(wx, r, bias, initial)."""
        leaves = [t.double().clone().requires_grad_(True) for t in (self.wx, self.r, self.bias, self.initial)]
        if self.lengths is None:
            y, last = reference(self.cell, *leaves)
            loss = (y * self.dy.double()).sum() + (last * self.d_last.double()).sum()
        else:  # each sequence alone over its own steps: y past a length is a constant 0, the last states its own
            wx, r, bias, initial = leaves
            loss = 0
            for b, length in enumerate(self.lengths):
                y, last = reference(self.cell, wx[b:b + 1, :length], r, bias, initial[:, b:b + 1])
                loss = loss + (y * self.dy[b:b + 1, :length].double()).sum() + (last * self.d_last[:, b:b + 1].double()).sum()
        return torch.autograd.grad(loss, leaves)


def planned_calls():
    """plan()'s arguments for every problem of every section (a Training asks for a forward and a backward plan)."""
    problems = [(cell, storage, batch, steps, heads, d, False)
                for cell in CELLS for storage in STORAGE for d, heads in MATRIX_SHAPES for batch, steps in MATRIX_RUNS]
    problems += [case + (False,) for case in TIMING_CASES]
    batch, steps, d = PARITY_SHAPE
    problems += [(cell, "fp32", batch, steps, 1, d, False) for cell in PARITY_CELLS]
    problems += [(cell, storage, len(SEQUENCE_LENGTHS), LENGTHS_STEPS, heads, d, True)
                 for cell in CELLS for storage in STORAGE for d, heads in LENGTHS_SHAPES]
    return [dict(cell=cell, storage=storage, batch=batch, steps=steps, heads=heads, head_size=d, backward=backward,
                 lengths=lengths)
            for cell, storage, batch, steps, heads, d, lengths in problems for backward in (False, True)]


def compile_everything(lib, context):
    """Every section's plans, asked and compiled ahead (NVRTC side by side): the sections then only load."""
    results["compile_ahead"] = summary = plan_and_compile_ahead(lib, CLI, planned_calls())
    print(json.dumps({"compile_ahead": summary}), flush=True)


def correctness(lib, context):
    global failures
    for cell in CELLS:
        for storage in STORAGE:
            for d, heads in MATRIX_SHAPES:
                for batch, steps in MATRIX_RUNS:
                    case = {"cell": cell, "storage": storage, "D": d, "NH": heads, "B": batch, "T": steps}

                    def check(case, cell=cell, storage=storage, d=d, heads=heads, batch=batch, steps=steps):
                        run = Training(lib, context, cell, storage, batch, steps, heads, d, 11 + batch + d)
                        case["source"] = run.backward_abi["source_name"]
                        case["regime"] = run.backward_abi["defines"].get("FR_REGIME", 0)
                        return run.check_gradients(case, GRADIENT_TOLERANCE[storage])
                    failures += checked_case(case, check, results["cases"])


def lengths_cases(lib, context):
    """The training forward and the backward with per-sequence lengths, the plans for calls with lengths."""
    global failures
    sequence_lengths, steps = SEQUENCE_LENGTHS, LENGTHS_STEPS
    for cell in CELLS:
        for storage in STORAGE:
            for d, heads in LENGTHS_SHAPES:
                case = {"cell": cell, "storage": storage, "D": d, "NH": heads, "B": len(sequence_lengths), "T": steps,
                        "lengths": sequence_lengths}

                def check(case, cell=cell, storage=storage, d=d, heads=heads):
                    run = Training(lib, context, cell, storage, len(sequence_lengths), steps, heads, d, 17 + d,
                                   lengths=sequence_lengths)
                    case["source"] = run.backward_abi["source_name"]
                    case["regime"] = run.backward_abi["defines"].get("FR_REGIME", 0)
                    fused = [abi for abi in (run.forward_abi, run.backward_abi) if abi["source_name"] != "rnn_alternating"]
                    case["fr_lengths"] = all(abi["defines"].get("FR_LENGTHS", 0) == 1 for abi in fused)
                    return run.check_gradients(case, GRADIENT_TOLERANCE[storage]) and case["fr_lengths"]
                failures += checked_case(case, check, results["lengths"])


def recompute_cases(lib, context):
    """The states-only reserve (the recompute option): the backward recomputes the gate products from y."""
    global failures
    (d, heads), (batch, steps) = MATRIX_SHAPES[-1], MATRIX_RUNS[-1]  # plans the matrix compiled ahead
    for cell in CELLS:
        for storage in STORAGE:
            case = {"cell": cell, "storage": storage, "D": d, "NH": heads, "B": batch, "T": steps, "reserve": "states only"}

            def check(case, cell=cell, storage=storage):
                run = Training(lib, context, cell, storage, batch, steps, heads, d, 23 + d, states_only=True)
                case["source"] = run.backward_abi["source_name"]
                case["regime"] = run.backward_abi["defines"].get("FR_REGIME", 0)
                return run.check_gradients(case, GRADIENT_TOLERANCE[storage])
            failures += checked_case(case, check, results["recompute"])


def torch_parity(lib, context):
    """Our fp32 gradients and torch autograd through nn.LSTM / nn.GRU / nn.RNN (cuDNN, tf32 off), same weights, NH = 1:
    W_ih = I, so dL/dx is dL/dWx; weight_hh's gradient is dR; the biases map as in the forward check."""
    global failures
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    modules = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}
    for cell in PARITY_CELLS:
        module = modules[cell]
        g = CELLS[cell][0]
        batch, steps, d = PARITY_SHAPE
        run = Training(lib, context, cell, "fp32", batch, steps, 1, d, 99)
        run.d_last.zero_()  # torch's loss below reaches the states through out alone
        run.forward()
        run.backward()
        torch.cuda.synchronize()
        net = module(g * d if cell != "rnn" else d, d, batch_first=True).cuda()
        with torch.no_grad():
            net.weight_ih_l0.copy_(torch.eye(g * d if cell != "rnn" else d, device="cuda")[: g * d])
            net.weight_hh_l0.copy_(run.r.reshape(g * d, d))
            net.bias_hh_l0.zero_()
            if cell == "gru":
                net.bias_ih_l0.copy_(run.bias[:3].reshape(-1))
                net.bias_hh_l0[2 * d:].copy_(run.bias[3, 0])
            else:
                net.bias_ih_l0.copy_(run.bias.reshape(-1))
        x = run.wx.reshape(batch, steps, g * d).clone().requires_grad_(True)
        h0 = run.initial[0].reshape(1, batch, d).contiguous()
        out, _ = net(x, (h0, run.initial[1].reshape(1, batch, d).contiguous())) if cell == "lstm" else net(x, h0)
        (out * run.dy.reshape(batch, steps, d)).sum().backward()
        dwx, dr, dbias, _ = run.grads
        entry = {"cell": cell, "module": module.__name__,
                 "dwx": rel_l2(dwx.reshape(batch, steps, g * d), x.grad.double()),
                 "dr": rel_l2(dr.reshape(g * d, d), net.weight_hh_l0.grad.double())}
        torch_db = net.bias_ih_l0.grad.double()
        entry["dbias"] = rel_l2(dbias[: 3 if cell == "gru" else g].reshape(-1), torch_db)
        entry["ok"] = all(entry[n] <= 1e-4 for n in ("dwx", "dr", "dbias"))
        failures += 0 if entry["ok"] else 1
        results["torch"].append(entry)
        print(json.dumps(entry), flush=True)


def timings(lib, context):
    global failures
    for cell, storage, batch, steps, heads, d in TIMING_CASES:
        dtype = STORAGE[storage][0]
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = storage == "tf32"
        entry: dict[str, Any] = {"cell": cell, "storage": storage, "B": batch, "T": steps, "NH": heads, "D": d}
        with watchdog():  # a plan that hangs ends the process, not the step
            try:
                run = Training(lib, context, cell, storage, batch, steps, heads, d, 3)
                entry["backward"] = run.backward_abi["source_name"] + "/" + str(run.backward_abi["defines"].get("FR_REGIME", 0))
                entry["ours_forward_ms"] = time_ms(run.forward)
                entry["ours_backward_ms"] = time_ms(run.backward)
                entry["ours_total_ms"] = entry["ours_forward_ms"] + entry["ours_backward_ms"]
                if cell in ("lstm", "gru") and heads == 1:
                    net = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(d, d, batch_first=True).cuda().to(dtype)
                    x = torch.randn(batch, steps, d, device="cuda", dtype=dtype, requires_grad=True)
                    dy = torch.randn(batch, steps, d, device="cuda", dtype=dtype)

                    def cudnn_step():
                        out, _ = net(x)
                        out.backward(dy)
                    entry["torch_cudnn_fwd_bwd_ms"] = time_ms(cudnn_step)
                    # cuDNN's step includes the input projection and its two backward GEMMs (dx, dW_ih); ours starts
                    # from Wx, so the same three GEMMs are added to ours
                    g = CELLS[cell][0]
                    w_ih = torch.randn(g * d, d, device="cuda", dtype=dtype)
                    dgates = torch.randn(batch * steps, g * d, device="cuda", dtype=dtype)
                    rows = x.detach().reshape(batch * steps, d)

                    def input_gemms():
                        rows @ w_ih.t()
                        dgates @ w_ih
                        dgates.t() @ rows
                    entry["input_gemms_ms"] = time_ms(input_gemms)
                    entry["speedup_vs_cudnn"] = entry["torch_cudnn_fwd_bwd_ms"] / (entry["ours_total_ms"] + entry["input_gemms_ms"])
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
    # the timings right after the matrix: a step cut short by its time limit still has them
    raised = run_sections((compile_everything, correctness, timings, torch_parity, lengths_cases, recompute_cases),
                          lib, context, results, os.path.join(OUT, "rnn_backward_check.json"))
    failures += raised  # not `failures += run_sections(...)`: that reads failures before the sections add to it
    print(f"\n{len(results['cases'])} backward matrix cases, {sum(not c['ok'] for c in results['cases'])} failed; "
          f"{len(results['torch'])} torch autograd cases, {sum(not c['ok'] for c in results['torch'])} failed; "
          f"{len(results['lengths'])} lengths cases, {sum(not c['ok'] for c in results['lengths'])} failed; "
          f"{len(results['recompute'])} recompute cases, {sum(not c['ok'] for c in results['recompute'])} failed")
    print(f"{'cell':6} {'type':5} {'B':>3} {'T':>5} {'NH':>3} {'D':>5} {'backward':16} {'fwd ms':>7} {'bwd ms':>7} "
          f"{'cuDNN f+b':>9} {'speedup':>7}")
    for t in results["timings"]:
        print(f"{t['cell']:6} {t['storage']:5} {t['B']:3} {t['T']:5} {t['NH']:3} {t['D']:5} {t.get('backward', '-'):16} "
              f"{t.get('ours_forward_ms', float('nan')):7.3f} {t.get('ours_backward_ms', float('nan')):7.3f} "
              f"{t.get('torch_cudnn_fwd_bwd_ms', float('nan')):9.3f} {t.get('speedup_vs_cudnn', float('nan')):7.2f}  "
              f"{t.get('error', '')}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
