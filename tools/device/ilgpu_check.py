#!/usr/bin/env python3
"""GPU check of the ILGPU backend (issue 6, item 5), run by run_ilgpu_check.sh on a lent GPU.

Through the CLI (the published C# tool, `--backend ilgpu-cuda`): every cell's layer forward and backward, and the
scan, against the reference backend on the same float32 files (relative L2 of every output and gradient file), and
the CLI's --repeat timing (median wall time of the span API call, copies included) beside torch's own module (cuDNN)
on the same shapes. Usage: ilgpu_check.py CLI_COMMAND OUT_DIR
Environment: FR_ILGPU_BACKEND (default ilgpu-cuda; ilgpu-cpu for a local smoke run), FR_ILGPU_SMALL=1 (tiny shapes).
Without torch (a local smoke run) the torch columns stay empty.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import shutil
import tempfile
import time
from typing import Any

import numpy as np

try:
    import torch
except ImportError:  # a local smoke run on a machine without torch
    torch = None

CLI = shlex.split(sys.argv[1])
OUT = sys.argv[2]
WORK = tempfile.mkdtemp(prefix="ilgpu_work")  # inputs and outputs of up to 200 MB each: never under OUT
BACKEND = os.environ.get("FR_ILGPU_BACKEND", "ilgpu-cuda")
SMALL = os.environ.get("FR_ILGPU_SMALL") == "1"
B, T, HIDDEN = (2, 9, 8) if SMALL else (16, 256, 256)
results: dict[str, Any] = {"cases": [], "failures": 0}


def cli(*args):
    proc = subprocess.run(CLI + list(args), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])}: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def timings(stdout):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"timing: (\w+ \w+ \w+|scan \w+)[^:]*: median ([0-9.]+) ms", stdout)}


def read_dir(path):
    return {name: np.load(os.path.join(path, name)).astype(np.float64) for name in sorted(os.listdir(path)) if name.endswith(".npy")}


def rel_l2(x, ref):
    if not np.all(np.isfinite(x)):
        return float("inf")
    return float(np.linalg.norm(x - ref)) / max(float(np.linalg.norm(ref)), 1e-300)


def torch_time(module, x, repeat=10):
    # ILGPU computes in fp32: so does its peer (cuDNN would otherwise multiply in tf32)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    x = x.cuda().requires_grad_(True)
    module = module.cuda()
    y, _ = module(x)
    y.sum().backward()
    torch.cuda.synchronize()
    fwd, bwd = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        y, _ = module(x)
        torch.cuda.synchronize()
        mid = time.perf_counter()
        y.sum().backward()
        torch.cuda.synchronize()
        fwd.append((mid - start) * 1e3)
        bwd.append((time.perf_counter() - mid) * 1e3)
    return float(np.median(fwd)), float(np.median(bwd))


def check_cell(cell):
    ctor = None if torch is None else {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN, "slstm": None}[cell]
    gates = {"lstm": 4, "gru": 3, "rnn": 1, "slstm": 4}[cell]
    weights = os.path.join(WORK, cell, "weights")
    os.makedirs(weights, exist_ok=True)
    scale = 1.0 / np.sqrt(HIDDEN)
    rng = np.random.default_rng(7)
    for name, shape in [("weight_ih_l0", (gates * HIDDEN, HIDDEN)), ("weight_hh_l0", (gates * HIDDEN, HIDDEN)),
                        ("bias_ih_l0", (gates * HIDDEN,)), ("bias_hh_l0", (gates * HIDDEN,))]:
        np.save(os.path.join(weights, name + ".npy"), rng.uniform(-scale, scale, shape).astype(np.float32))
    x = rng.uniform(-1, 1, (B, T, HIDDEN)).astype(np.float32)
    dy = rng.uniform(-1, 1, (B, T, HIDDEN)).astype(np.float32)
    np.save(os.path.join(WORK, cell, "x.npy"), x)
    np.save(os.path.join(WORK, cell, "dy.npy"), dy)
    base = ["run", "--cell", cell, "--weights", weights, "--input", os.path.join(WORK, cell, "x.npy"),
            "--grad-output", os.path.join(WORK, cell, "dy.npy")]
    ref_dir, gpu_dir = os.path.join(WORK, cell, "reference"), os.path.join(WORK, cell, "ilgpu")
    cli(*base, "--out", ref_dir, "--backend", "reference")
    stdout = cli(*base, "--out", gpu_dir, "--backend", BACKEND, "--repeat", "10")
    ref, got = read_dir(ref_dir), read_dir(gpu_dir)
    errors = {name: rel_l2(got[name], ref[name]) for name in ref}
    worst = max(errors.values())
    case = {"cell": cell, "B": B, "T": T, "hidden": HIDDEN, "worst_rel_l2": worst, "errors": errors,
            "ilgpu_ms": timings(stdout), "pass": worst <= 2e-3}
    if ctor is not None and torch.cuda.is_available():
        module = ctor(HIDDEN, HIDDEN, batch_first=True)
        case["torch_fwd_ms"], case["torch_bwd_ms"] = torch_time(module, torch.from_numpy(x))
    results["cases"].append(case)
    results["failures"] += 0 if case["pass"] else 1
    print(json.dumps(case), flush=True)


def check_scan():
    b, t, h, d = (2, 37, 2, 3) if SMALL else (8, 4096, 16, 96)
    rng = np.random.default_rng(3)
    directory = os.path.join(WORK, "scan")
    os.makedirs(directory, exist_ok=True)
    files = {}
    for name, shape, scale in [("a", (b, t, h, d), 0.99), ("b", (b, t, h, d), 1.0), ("h0", (b, h, d), 1.0), ("dh", (b, t, h, d), 1.0)]:
        files[name] = os.path.join(directory, name + ".npy")
        np.save(files[name], rng.uniform(-scale, scale, shape).astype(np.float32))
    base = ["scan", "--a", files["a"], "--b", files["b"], "--h0", files["h0"], "--grad-output", files["dh"]]
    cli(*base, "--out", os.path.join(directory, "reference"), "--backend", "reference")
    stdout = cli(*base, "--out", os.path.join(directory, "ilgpu"), "--backend", BACKEND, "--repeat", "10")
    ref, got = read_dir(os.path.join(directory, "reference")), read_dir(os.path.join(directory, "ilgpu"))
    errors = {name: rel_l2(got[name], ref[name]) for name in ref}
    case = {"cell": "scan", "B": b, "T": t, "lanes": h * d, "worst_rel_l2": max(errors.values()), "errors": errors,
            "ilgpu_ms": timings(stdout), "pass": max(errors.values()) <= 1e-4}
    results["cases"].append(case)
    results["failures"] += 0 if case["pass"] else 1
    print(json.dumps(case), flush=True)


for name in ["lstm", "gru", "rnn", "slstm"]:
    try:
        check_cell(name)
    except Exception as e:  # one broken case must not hide the others
        results["failures"] += 1
        results["cases"].append({"cell": name, "error": str(e)})
        print(f"{name}: {e}", flush=True)
try:
    check_scan()
except Exception as e:
    results["failures"] += 1
    results["cases"].append({"cell": "scan", "error": str(e)})
    print(f"scan: {e}", flush=True)

with open(os.path.join(OUT, "ilgpu_check.json"), "w") as f:
    json.dump(results, f, indent=1)
print("\n| case | worst rel L2 | ILGPU fwd ms | ILGPU bwd ms | torch fwd ms | torch bwd ms |")
print("|---|---|---|---|---|---|")
for c in results["cases"]:
    if "error" in c:
        print(f"| {c['cell']} | error: {c['error'][:60]} | | | | |")
        continue
    ms = list(c["ilgpu_ms"].values())
    print(f"| {c['cell']} | {c['worst_rel_l2']:.2e} | {ms[0] if ms else float('nan'):.3f} | "
          f"{ms[1] if len(ms) > 1 else float('nan'):.3f} | {c.get('torch_fwd_ms', float('nan')):.3f} | "
          f"{c.get('torch_bwd_ms', float('nan')):.3f} |")
print(f"failures: {results['failures']}")
shutil.rmtree(WORK, ignore_errors=True)
sys.exit(1 if results["failures"] else 0)
