#!/usr/bin/env python3
"""Another framework calling libfastrecurrence through its C ABI: the scan h_t = a_t h_{t-1} + b_t on PyTorch tensors.

    python3 tools/python/scan_example.py        (needs a CUDA GPU, PyTorch, ./build.sh, and the .NET CLI for the plan)

The plan comes from the planner through the CLI (`plan --family scan --json`); the tensors stay torch's own, and the
kernel runs on torch's current stream. The result is compared with a float64 loop.
"""
import json
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fastrecurrence_ctypes as fr  # noqa: E402


def main(cli=("dotnet", "run", "--project", "tools/FastRecurrence.Cli", "--"), gpu="H100-SXM"):
    lib = fr.load()
    print(lib.fr_version_string().decode())
    B, T, H, D = 2, 1000, 4, 64
    plan_json = json.loads(subprocess.run(list(cli) + ["plan", "--gpu", gpu, "--family", "scan", "--hidden", str(H * D),
                                                       "--heads", str(H), "--batch", str(B), "--steps", str(T),
                                                       "--dtype", "fp32", "--json"],
                                          check=True, capture_output=True, text=True).stdout)
    plan, keep = fr.plan_from_json(plan_json)

    context = fr.c_void_p()
    fr.check(lib, lib.fr_context_create(torch.cuda.current_device(), fr.ctypes.byref(context)))
    a = torch.rand(B, T, H, D, device="cuda") * 1.98 - 0.99
    b = torch.randn(B, T, H, D, device="cuda")
    h = torch.full_like(a, float("nan"))
    stream = torch.cuda.current_stream().cuda_stream
    fr.check(lib, lib.fr_scan_forward(context, fr.ctypes.byref(plan), fr.ctypes.byref(fr.tensor(a)),
                                      fr.ctypes.byref(fr.tensor(b)), None, fr.ctypes.byref(fr.tensor(h)), None,
                                      None, 0, fr.c_void_p(stream)))
    torch.cuda.synchronize()

    state = torch.zeros(B, H, D, dtype=torch.float64, device="cuda")
    reference = torch.empty(B, T, H, D, dtype=torch.float64, device="cuda")
    for t in range(T):
        state = a[:, t].double() * state + b[:, t].double()
        reference[:, t] = state
    error = ((h.double() - reference).norm() / reference.norm()).item()
    print(f"scan forward B={B} T={T} H={H} D={D} fp32: relative L2 error {error:.2e}")
    lib.fr_context_destroy(context)
    return 0 if error <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
