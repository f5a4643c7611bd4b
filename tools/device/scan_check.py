#!/usr/bin/env python3
"""GPU check of the scan kernels (issue 4, item 6), run by run_scan_check.sh on a lent H100/H200.

For B = 8, H * D = 1536 (H = 16, D = 96), T in {1, 1000, 16384}, fp32 / bf16 / fp16 storage:
  1. correctness: our forward and backward (through the C ABI with ctypes, on torch tensors and torch's current
     stream, outputs poisoned with NaN) against a float64 torch reference (h, da, db, dh0), relative L2;
  2. speed: CUDA events, median of repeated runs, beside a torch step loop and the card's measured
     device-to-device copy bandwidth (a large tensor copy), as GB/s of the bytes each pass must move;
  3. plan sweep (T = 16384, fp32 and bf16, both directions; SCAN_PLAN_SWEEP=0 skips it, =only runs it alone, after the
     copy bandwidth): hand-built plans over lanes x
     threads x items beside the planner's, the data that calibrates the scan model (decision 0022: its residency
     ignores registers; which plan is fastest is a measurement).
Usage: scan_check.py CLI_COMMAND OUT_DIR
"""
import os
import shlex
import subprocess
import sys
from typing import Any

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import fastrecurrence_ctypes as fr  # noqa: E402
from torch_checks import catalog_name, cli_json, dump_json, open_context, rel_l2  # noqa: E402

CLI = shlex.split(sys.argv[1])
OUT = sys.argv[2]
B, H, D = 8, 16, 96
STEPS = (1, 1000, 16384)  # the correctness cases; from TIMED_STEPS on also timed, at SWEEP_STEPS beside the torch loop
TIMED_STEPS, SWEEP_STEPS, CSHARP_STEPS = 1000, 16384, 1000
CSHARP_BACKEND = "cuda"  # the CLI's backend for the C# path
COPY_BYTES = 2 * 1024 ** 3  # the copy whose bandwidth the timings are compared with
SWEEP_THREADS, SWEEP_ITEMS = (128, 224, 384, 640), (4, 8, 16)  # the hand-built plans beside the planner's
TOLERANCE = {torch.float32: 1e-5, torch.bfloat16: 2e-2, torch.float16: 2e-2}
results: dict[str, Any] = {"cases": [], "timings": []}
failures = 0


def plan(steps, dtype, backward):
    dt = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[dtype]
    args = CLI + ["plan", "--gpu", catalog_name(), "--family", "scan", "--hidden", str(H * D), "--heads", str(H),
                  "--batch", str(B), "--steps", str(steps), "--dtype", dt, "--json"] + (["--backward"] if backward else [])
    return fr.plan_from_json(cli_json(args))


def reference(a, b, h0, dh):
    """float64 forward and backward, the math.md section 5 formulas written as loops over T."""
    a64, b64, h064, dh64 = a.double(), b.double(), h0.double(), dh.double()
    T = a.shape[1]
    h = torch.empty_like(a64)
    state = h064
    for t in range(T):
        state = a64[:, t] * state + b64[:, t]
        h[:, t] = state
    delta = torch.zeros_like(h064)
    da, db = torch.empty_like(a64), torch.empty_like(a64)
    for t in range(T - 1, -1, -1):
        delta = dh64[:, t] + (a64[:, t + 1] * delta if t + 1 < T else 0)
        db[:, t] = delta
        da[:, t] = delta * (h[:, t - 1] if t > 0 else h064)
    dh0 = a64[:, 0] * db[:, 0]
    return h, da, db, dh0


def run_case(lib, context, steps, dtype):
    global failures
    torch.manual_seed(steps)
    a = (torch.rand(B, steps, H, D, device="cuda") * 1.98 - 0.99).to(dtype)
    b = torch.randn(B, steps, H, D, device="cuda").to(dtype)
    h0 = torch.randn(B, H, D, device="cuda").to(dtype)
    dh = torch.randn(B, steps, H, D, device="cuda").to(dtype)
    h = torch.full_like(a, float("nan"))
    da, db = torch.full_like(a, float("nan")), torch.full_like(a, float("nan"))
    dh0 = torch.full_like(h0, float("nan"))
    forward_plan, keep_f = plan(steps, dtype, False)
    backward_plan, keep_b = plan(steps, dtype, True)
    stream = fr.c_void_p(torch.cuda.current_stream().cuda_stream)
    ref = fr.ctypes.byref
    ta, tb, th0, th, tdh = fr.tensor(a), fr.tensor(b), fr.tensor(h0), fr.tensor(h), fr.tensor(dh)
    tda, tdb, tdh0 = fr.tensor(da), fr.tensor(db), fr.tensor(dh0)

    def forward():
        fr.check(lib, lib.fr_scan_forward(context, ref(forward_plan), ref(ta), ref(tb), ref(th0), ref(th), None, None, 0, stream))

    def backward():
        fr.check(lib, lib.fr_scan_backward(context, ref(backward_plan), ref(ta), ref(th), ref(th0), ref(tdh), None,
                                           ref(tda), ref(tdb), ref(tdh0), None, 0, stream))

    forward()
    backward()
    torch.cuda.synchronize()
    h_ref, da_ref, db_ref, dh0_ref = reference(a, b, h0, dh)
    errors = {"h": rel_l2(h, h_ref), "da": rel_l2(da, da_ref), "db": rel_l2(db, db_ref), "dh0": rel_l2(dh0, dh0_ref)}
    ok = max(errors.values()) <= TOLERANCE[dtype]
    failures += 0 if ok else 1
    name = f"scan B={B} T={steps} H={H} D={D} {str(dtype).split('.')[-1]}"
    results["cases"].append({"case": name, "ok": ok, "errors": errors, "tolerance": TOLERANCE[dtype]})
    print(f"{'PASS' if ok else 'FAIL'} {name}: " + " ".join(f"{k}={v:.2e}" for k, v in errors.items()), flush=True)
    if steps >= TIMED_STEPS:
        element = a.element_size()
        count = a.numel()
        time_it(f"{name} forward", forward, 3 * count * element)
        time_it(f"{name} backward", backward, 5 * count * element)
        if steps == SWEEP_STEPS and dtype == torch.float32:
            def torch_loop():
                state = h0
                for t in range(steps):
                    state = torch.addcmul(b[:, t], a[:, t], state)
                    h[:, t] = state
            time_it(f"{name} torch step loop (peer)", torch_loop, 3 * count * element, repeats=3)


def sweep_plan(steps, dtype, backward, lanes, threads, items):
    """An fr_plan built by hand (the kernel takes any lanes 1..64 dividing threads, threads a multiple of 32):
    (Plan, keep-alive list), as plan()."""
    code = {torch.float32: 0, torch.bfloat16: 1, torch.float16: 2}[dtype]
    return fr.plan_from_json({
        "constants": {"FR_DTYPE": code, "FR_BACKWARD": 1 if backward else 0, "FR_SCAN_LANES": lanes,
                      "FR_SCAN_THREADS": threads, "FR_SCAN_ITEMS": items, "FR_SCAN_CHUNK": threads // lanes * items},
        "grid": [(D + lanes - 1) // lanes, H, B], "block": [threads, 1, 1], "cluster": [1, 1, 1]})


def plan_sweep(lib, context):
    steps = SWEEP_STEPS
    stream = fr.c_void_p(torch.cuda.current_stream().cuda_stream)
    ref = fr.ctypes.byref
    for dtype in (torch.float32, torch.bfloat16):
        a = (torch.rand(B, steps, H, D, device="cuda") * 1.98 - 0.99).to(dtype)
        b, dh = torch.randn_like(a), torch.randn_like(a)
        h0 = torch.randn(B, H, D, device="cuda").to(dtype)
        h, da, db, dh0 = torch.empty_like(a), torch.empty_like(a), torch.empty_like(a), torch.empty_like(h0)
        ta, tb, th0, th, tdh = fr.tensor(a), fr.tensor(b), fr.tensor(h0), fr.tensor(h), fr.tensor(dh)
        tda, tdb, tdh0 = fr.tensor(da), fr.tensor(db), fr.tensor(dh0)
        count, element = a.numel(), a.element_size()
        for backward in (False, True):
            candidates = [("planner", plan(steps, dtype, backward))]  # (label, (Plan, keep-alive)): kept alive here
            for lanes in ((16, 32) if element == 4 else (32, 64)):
                for threads in SWEEP_THREADS:
                    for items in SWEEP_ITEMS:
                        if threads % lanes == 0:
                            candidates.append((f"lanes {lanes} threads {threads} items {items}",
                                               sweep_plan(steps, dtype, backward, lanes, threads, items)))
            best = None
            for label, (p, _) in candidates:
                what = f"sweep {str(dtype).split('.')[-1]} {'backward' if backward else 'forward'} {label}"
                if backward:
                    def fn(p=p):
                        fr.check(lib, lib.fr_scan_backward(context, ref(p), ref(ta), ref(th), ref(th0), ref(tdh), None,
                                                           ref(tda), ref(tdb), ref(tdh0), None, 0, stream))
                else:
                    def fn(p=p):
                        fr.check(lib, lib.fr_scan_forward(context, ref(p), ref(ta), ref(tb), ref(th0), ref(th), None,
                                                          None, 0, stream))
                try:
                    gbps = time_it(what, fn, (5 if backward else 3) * count * element, repeats=10)
                    best = max(best or (gbps, label), (gbps, label))
                except fr.FastRecurrenceError as e:  # a plan the card refuses is data too (a script error is not)
                    print(f"SKIP {what}: {e}", flush=True)
            if best is not None:
                print(f"BEST sweep {str(dtype).split('.')[-1]} {'backward' if backward else 'forward'}: {best[1]} "
                      f"({best[0]:.0f} GB/s)", flush=True)


def time_it(what, fn, bytes_moved, repeats=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    median = times[len(times) // 2]
    gbps = bytes_moved / (median * 1e-3) / 1e9
    results["timings"].append({"what": what, "median_ms": median, "min_ms": times[0], "GB_per_s": gbps})
    print(f"TIME {what}: median {median:.3f} ms, {gbps:.0f} GB/s", flush=True)
    return gbps


def csharp_path():
    """The same check through C#: the CLI's `scan --backend cuda` (P/Invoke into the library) on .npy files."""
    global failures
    steps = CSHARP_STEPS
    import tempfile
    import numpy as np
    torch.manual_seed(5)
    a = torch.rand(B, steps, H, D, dtype=torch.float64) * 1.98 - 0.99
    b = torch.randn(B, steps, H, D, dtype=torch.float64)
    h0 = torch.randn(B, H, D, dtype=torch.float64)
    dh = torch.randn(B, steps, H, D, dtype=torch.float64)
    with tempfile.TemporaryDirectory() as work:
        for name, t in (("a", a), ("b", b), ("h0", h0), ("dh", dh)):
            np.save(os.path.join(work, f"{name}.npy"), t.float().numpy())
        out = os.path.join(work, "out")
        proc = subprocess.run(CLI + ["scan", "--backend", CSHARP_BACKEND, "--a", os.path.join(work, "a.npy"), "--b",
                                     os.path.join(work, "b.npy"), "--h0", os.path.join(work, "h0.npy"), "--out", out,
                                     "--grad-output", os.path.join(work, "dh.npy")], capture_output=True, text=True)
        if proc.returncode != 0:
            failures += 1
            print(f"FAIL C# scan --backend {CSHARP_BACKEND}: {proc.stderr.strip()}", flush=True)
            results["cases"].append({"case": f"C# {CSHARP_BACKEND} backend", "ok": False, "error": proc.stderr})
            return
        got = {n: torch.from_numpy(np.load(os.path.join(out, f"{n}.npy"))) for n in ("h", "da", "db", "dh0")}
    ref = dict(zip(("h", "da", "db", "dh0"), reference(a.float(), b.float(), h0.float(), dh.float())))
    errors = {n: rel_l2(got[n], ref[n].cpu()) for n in got}
    ok = max(errors.values()) <= 1e-5
    failures += 0 if ok else 1
    results["cases"].append({"case": f"C# {CSHARP_BACKEND} backend B={B} T={steps} fp32", "ok": ok, "errors": errors})
    print(f"{'PASS' if ok else 'FAIL'} C# (CLI scan --backend {CSHARP_BACKEND}) B={B} T={steps} H={H} D={D} fp32: "
          + " ".join(f"{k}={v:.2e}" for k, v in errors.items()), flush=True)


def copy_bandwidth():
    src = torch.empty(COPY_BYTES // 4, device="cuda")
    dst = torch.empty_like(src)
    return time_it(f"device-to-device copy {COPY_BYTES / 1024 ** 3:g} GiB (torch copy_)", lambda: dst.copy_(src),
                   2 * src.numel() * 4)


def main():
    global failures
    lib = fr.load()
    print(lib.fr_version_string().decode(), "|", torch.cuda.get_device_name(0), "| torch", torch.__version__, flush=True)
    context = open_context(lib)
    copy = copy_bandwidth()
    results["copy_GB_per_s"] = copy
    sweep = os.environ.get("SCAN_PLAN_SWEEP", "1")
    for steps in STEPS if sweep != "only" else ():
        for dtype in (torch.float32, torch.bfloat16, torch.float16):
            try:
                run_case(lib, context, steps, dtype)
            except Exception as e:  # one failing case must not hide the others
                failures += 1
                print(f"FAIL scan T={steps} {dtype}: {e}", flush=True)
                results["cases"].append({"case": f"T={steps} {dtype}", "ok": False, "error": str(e)})
            dump_json(results, os.path.join(OUT, "scan_check.json"))
    try:
        if sweep != "only":
            csharp_path()
    except Exception as e:
        failures += 1
        print(f"FAIL C# path: {e}", flush=True)
    if sweep != "0":
        plan_sweep(lib, context)
    print("\nsummary (GB/s as a fraction of the measured copy bandwidth):")
    for timing in results["timings"]:
        print(f"  {timing['what']:<60} {timing['median_ms']:9.3f} ms  {timing['GB_per_s']:7.0f} GB/s  "
              f"{timing['GB_per_s'] / copy:6.1%}")
    dump_json(results, os.path.join(OUT, "scan_check.json"))
    print(f"SUMMARY cases: {len(results['cases'])}, failed: {failures}", flush=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
