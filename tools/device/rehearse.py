#!/usr/bin/env python3
"""Rehearses a GPU check of this folder on a machine with neither a GPU nor torch: the check runs unchanged, every
section and line of its control flow, with tools/device/rehearsal/torch.py (a stand-in for torch on numpy) in place of
torch and the CPU emulator of our kernels (FR_CHECK_EMULATED=1: torch_checks.open_context) in place of the GPU, on
problems shrunk to what the emulator runs in seconds. What a first run on a lent GPU would otherwise find out (a name
that does not exist, a shape that does not fit, a section that raises), a rehearsal finds here; what only the GPU can
tell (the regimes the planner picks for the real shapes, the timings, torch's own modules) it cannot.

The checks keep their real shapes in module constants; SHRINK below replaces them per check (and the timers: see
shrunk()). The plans still come from the CLI for an H100 SXM, and compile_ahead still compiles them with NVRTC for sm_90.
  rnn_check, rnn_backward_check, scan_check   main() of the check, shrunk
  ilgpu_check                                 the script with FR_ILGPU_BACKEND=ilgpu-cpu, FR_ILGPU_SMALL=1
  bench_compare                               card, peers and merge on a results CSV of tiny problems written here
                                              (our rows made up: the peers and the merge are what is rehearsed)
  pytorch_parity                              main(), its GPU part on the CLI's cuda-emulated backend, shrunk
  scan_example                                tools/python/scan_example.py (the README's PyTorch example) as it is,
                                              its fr_context_create answered by the emulator's

Usage: rehearse.py CHECK CLI_COMMAND OUT_DIR   (with a python3 that has numpy, e.g. Debian's with python3-numpy)
"""
import csv
import functools
import importlib
import os
import runpy
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
LENGTHS = {"SEQUENCE_LENGTHS": [3, 1, 2], "LENGTHS_STEPS": 3, "LENGTHS_SHAPES": [(32, 2)]}
SHRINK: dict[str, dict[str, Any]] = {
    # (B, T, NH, D) small enough for the emulator; every cell and storage stays, so every dtype path runs
    "rnn_check": dict(MATRIX_SHAPES=[(32, 2)], MATRIX_RUNS=[(3, 3)], PARITY_SHAPE=(2, 3, 32), STREAMED_SHAPE=(2, 3, 1, 32),
                      TIMING_CASES=[("lstm", "bf16", 2, 3, 1, 32), ("slstm", "bf16", 2, 3, 2, 32),
                                    ("gru", "tf32", 2, 3, 1, 32),
                                    # one head of 2048 at B 1: a fused plan that streams R tiles (grid barrier, 128
                                    # blocks), timed beside the alternating plan (about 20 s on the emulator)
                                    ("lstm", "bf16", 1, 2, 1, 2048)], STREAMED_HEAD_FROM=2048, **LENGTHS),
    "rnn_backward_check": dict(MATRIX_SHAPES=[(32, 2)], MATRIX_RUNS=[(3, 3)], PARITY_SHAPE=(2, 3, 32),
                               TIMING_CASES=[("lstm", "bf16", 2, 3, 1, 32), ("slstm", "bf16", 2, 3, 2, 32)], **LENGTHS),
    "scan_check": dict(B=2, H=2, D=8, STEPS=(1, 5, 9), TIMED_STEPS=5, SWEEP_STEPS=9, CSHARP_STEPS=5,
                       CSHARP_BACKEND="cuda-emulated", COPY_BYTES=1 << 20, SWEEP_THREADS=(128,), SWEEP_ITEMS=(8,)),
    "bench_compare": dict(CARD_COPY_BYTES=1 << 20, CARD_MATMUL_N=64),
    # the float64 parity as it is (CLI reference, small already); the GPU part on the emulator at smaller shapes
    "pytorch_parity": dict(CUDA_BACKEND="cuda-emulated", GPU_LAYER_SHAPE=(2, 5, 4, 8), GPU_STACK_SHAPE=(3, 6, 5, 8),
                           GPU_STACKS=[("lstm", 2, True, 3, [6, 2, 4]), ("gru", 2, True, 0, [5, 6, 2]),
                                       ("rnn", 2, False, 0, None), ("lstm", 1, False, 0, [1, 6, 3])],
                           TIMED_SHAPE=(2, 3, 16)),
}
# bench_compare's problems: (suite, method, cell, dtype, B, T, NH, D), as the benchmark's GPU suites name them
BENCH_PROBLEMS = [("recurrent", "forward", "lstm", "bf16", 2, 3, 1, 16), ("recurrent", "forward+backward", "lstm", "fp32", 2, 3, 1, 16),
                  ("recurrent", "forward", "gru", "bf16", 2, 3, 1, 16), ("recurrent", "forward", "elman", "fp32", 2, 3, 1, 16),
                  ("recurrent", "forward+backward", "slstm", "bf16", 2, 3, 2, 16), ("scan", "forward", "scan", "fp32", 2, 5, 2, 8),
                  ("scan", "backward", "scan", "bf16", 2, 5, 2, 8)]


def shrunk(check):
    module = importlib.import_module(check)
    for name, value in SHRINK[check].items():
        if not hasattr(module, name):
            sys.exit(f"rehearse.py: {check} has no {name} to shrink (renamed? update SHRINK)")
        setattr(module, name, value)
    # the emulator's times mean nothing, the code paths do: rnn_torch.time_ms (CUDA events, warm-ups, median; rehearsed
    # through bench_compare's card) becomes one call, scan_check's time_it (which also records) one repeat
    if hasattr(module, "time_ms"):
        setattr(module, "time_ms", once_ms)
    if hasattr(module, "time_it"):
        setattr(module, "time_it", functools.partial(getattr(module, "time_it"), repeats=1))
    return module


def once_ms(function, repeats=None):
    began = time.perf_counter()
    function()
    return (time.perf_counter() - began) * 1e3


def bench_compare(cli, out):
    """card, peers and merge as run_bench_compare.sh calls them, on our rows for BENCH_PROBLEMS; exits 1 when a peer
    that should have run is missing (peers() reports a failing peer and goes on)."""
    module = shrunk("bench_compare")
    ours = os.path.join(out, "ours.csv")
    module.write(ours, [module.row(suite, method, "cuda", dtype, cell, b, t, nh, d, 100.0)
                        for suite, method, cell, dtype, b, t, nh, d in BENCH_PROBLEMS])
    module.card(out)
    module.peers(ours, out)
    module.merge(ours, os.path.join(out, "peers.csv"), os.path.join(out, "card.json"), os.path.join(out, "bench_compare"))
    with open(os.path.join(out, "peers.csv"), newline="") as f:
        got = {(r["backend"],) + module.key(r) for r in csv.DictReader(f)}
    missing = []
    for problem in BENCH_PROBLEMS:  # in key()'s order: suite, method, cell, dtype, B, T, NH, D
        cell, nh = problem[2], problem[6]
        wanted = ["torch-loop"] + (["torch-cudnn", "torch-input-gemm"] if cell in module.CUDNN and nh == 1 else [])
        missing += [f"{backend} {' '.join(map(str, problem))}" for backend in wanted if (backend,) + problem not in got]
    if missing:
        sys.exit("rehearse.py: peers missing: " + "; ".join(missing))
    print(f"rehearse.py: bench_compare: every peer of {len(BENCH_PROBLEMS)} problems measured and merged")


def scan_example(cli):
    """The example calls fr_context_create itself, as a user's code would: the rehearsal answers it with an emulated
    context (torch_checks.open_context) and runs the example unchanged."""
    import shlex

    import fastrecurrence_ctypes as fr
    import scan_example as example
    from torch_checks import open_context
    lib = fr.load()

    def emulated_context(ordinal, out):
        out._obj.value = open_context(lib).value
        return 0
    lib.fr_context_create = emulated_context
    example.fr.load = lambda path=None: lib
    status = example.main(cli=shlex.split(cli))
    if status != 0:
        sys.exit(f"rehearse.py: scan_example exited {status}")


def main():
    checks = list(SHRINK) + ["ilgpu_check", "scan_example"]
    if len(sys.argv) != 4 or sys.argv[1] not in checks:
        sys.exit(f"usage: rehearse.py {{{','.join(checks)}}} CLI_COMMAND OUT_DIR")
    check, cli, out = sys.argv[1:]
    sys.path[:0] = [os.path.join(HERE, "rehearsal"), HERE, os.path.join(HERE, "..", "python")]
    os.environ["FR_CHECK_EMULATED"] = "1"
    sys.argv = [os.path.join(HERE, check + ".py"), cli, out]
    if check == "bench_compare":
        bench_compare(cli, out)
    elif check == "scan_example":
        scan_example(cli)
    elif check == "ilgpu_check":
        os.environ.update(FR_ILGPU_BACKEND="ilgpu-cpu", FR_ILGPU_SMALL="1")
        runpy.run_path(sys.argv[0], run_name="__main__")
    else:
        shrunk(check).main()


if __name__ == "__main__":
    main()
