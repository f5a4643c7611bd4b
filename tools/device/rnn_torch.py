"""What the recurrent GPU checks share (rnn_check.py, the forward; rnn_backward_check.py, the backward): the cells'
shapes, storage types and tolerances (math.md section 7), the planner's plan for this card through the CLI, seeded
inputs, the float64 torch reference forward (differentiable), and CUDA-event timing."""
import functools
import math
import time
from concurrent.futures import ThreadPoolExecutor

import torch

import compile_ahead
import fastrecurrence_ctypes as fr
from torch_checks import catalog_name, cli_json

CELLS = {"lstm": (4, 4, 2), "gru": (3, 4, 1), "slstm": (4, 4, 4), "rnn": (1, 1, 1)}  # gates, biases, states
STORAGE = {"fp32": (torch.float32, False), "tf32": (torch.float32, True), "bf16": (torch.bfloat16, False),
           "fp16": (torch.float16, False)}
TOLERANCE = {"fp32": 1e-5, "tf32": 5e-3, "bf16": 2e-2, "fp16": 2e-2}


def plan(cli, cell, storage, batch, steps, heads, head_size, backward=False, lengths=False, family=None):
    """The planner's fr_plan for this card (the CLI's `plan --abi-json`): (abi dict, (Plan, keep-alive)). `lengths`:
    the plan for calls with per-sequence lengths (`plan --lengths`: the fused kernel's FR_LENGTHS build). `family`:
    the CLI's --family (fused, alternating); None: the planner's choice."""
    dtype = "fp32" if storage == "tf32" else storage
    args = cli + ["plan", "--gpu", catalog_name(), "--cell", cell, "--hidden", str(heads * head_size), "--heads", str(heads),
                  "--batch", str(batch), "--steps", str(steps), "--dtype", dtype, "--abi-json"]
    if storage == "tf32":
        args.append("--tf32")
    if backward:
        args.append("--backward")
    if lengths:
        args.append("--lengths")
    if family is not None:
        args += ["--family", family]
    abi = planned(tuple(args))
    return abi, fr.plan_from_abi_json(abi)


@functools.lru_cache(maxsize=None)
def planned(args):
    """The CLI's plan for these arguments, asked once per session (each ask starts a .NET process: ~0.3 s)."""
    return cli_json(list(args))


def plan_and_compile_ahead(lib, cli, calls, workers=16):
    """Plans every call of a check up front (`calls`: plan()'s keyword arguments each; the CLI processes side by side,
    their results cached for the sections) and compiles every module those plans load for this card, `workers` NVRTC
    compiles at a time, into the cubin cache the calls read: the sections then only load. Returns a summary."""
    began = time.time()

    def ask(call):
        try:
            return plan(cli, **call)
        except Exception as e:  # noqa: BLE001 (the section that needs the plan reports it again)
            return e
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(ask, calls))
    plans = [(outcome[1][0], 1 if call.get("lengths") else 0)
             for call, outcome in zip(calls, outcomes) if not isinstance(outcome, Exception)]
    planning_s = time.time() - began
    arch = "sm_%d%d" % torch.cuda.get_device_capability(0)
    modules = compile_ahead.compile_ahead(lib, plans, arch, workers)
    failed = [m for m in modules if m["status"] != 0]
    return {"arch": arch, "calls": len(calls), "plans": len(plans), "planning_s": round(planning_s, 1),
            "modules": len(modules), "compiled": sum(not m["cache_hit"] for m in modules),
            "compile_s": round(time.time() - began - planning_s, 1),
            "plan_errors": [str(o)[:300] for o in outcomes if isinstance(o, Exception)],
            "compile_errors": [f"{m['source']} {m['defines']}: {m['message'][-400:]}" for m in failed]}


def reference(cell, wx, r, bias, initial, dtype=torch.float64):
    """The forward (math.md section 2) over [B, T, G, NH, D] inputs in `dtype` (float64: the reference; the storage
    type: bench_compare.py's torch step loop); returns y [B, T, NH, D], last [S, B, NH, D].
    Differentiable: torch autograd of it is the backward's reference (sLSTM's m is held constant, math.md)."""
    wx, r, bias = wx.to(dtype), r.to(dtype), bias.to(dtype)
    state = [s.to(dtype).clone() for s in initial]
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
            m = torch.where(state[2] == 0, gi, torch.maximum(gi, log_f)).detach()
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
