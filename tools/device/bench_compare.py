#!/usr/bin/env python3
"""The side-by-side GPU comparison (issue 9, item 3), run by run_bench_compare.sh on a lent H100 / H200.

Our kernels are timed by the project's own benchmark (`FastRecurrence.Bench --filter '*Gpu*'`: the native kernels on
device buffers in fp32 and bf16, and ILGPU's CUDA kernels, whose host-array API includes the copies), which writes the
tidy results CSV. This script adds, on the same shapes read from that CSV, in the same process per peer:
  card OUT_DIR                        the card, its measured device-to-device copy bandwidth and dense matmul rates
                                      (bf16, and fp32 without tf32) -> OUT_DIR/card.json
  peers OURS.csv OUT_DIR              torch nn.LSTM / nn.GRU / nn.RNN (cuDNN; one head: cuDNN has no block-diagonal
                                      R), the torch input GEMM(s) that nn.LSTM includes and our kernel does not, and a
                                      torch step loop (every cell, heads, the scan) -> OUT_DIR/peers.csv
  merge OURS.csv PEERS.csv CARD.json OUT_PREFIX
                                      one CSV with the benchmark's columns (plus derived rows "cuda+input-gemm": our
                                      kernel plus torch's input projection, the fair match for nn.LSTM, targets.md),
                                      speedups against cuDNN where it runs the problem (else the torch loop), and a
                                      markdown table with the card at the top and FlashRNN's published figures.
  header                              prints the CSV header (the tests check it against the C# ResultCsv.Header).
Timing: CUDA events, median of repeats after warm-up (rnn_torch.time_ms); our benchmark reports BenchmarkDotNet means.
"""
import csv
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))  # rnn_torch's ctypes binding

HEADER = ["suite", "method", "backend", "dtype", "cell", "batch", "steps", "heads", "head_size",
          "mean_us", "us_per_step", "gb_per_s", "tflop_per_s", "speedup", "baseline", "copies"]
GATES = {"lstm": 4, "gru": 3, "slstm": 4, "elman": 1}
CUDNN = {"lstm": "LSTM", "gru": "GRU", "elman": "RNN"}
CARD_COPY_BYTES, CARD_MATMUL_N = 2 * 1024 ** 3, 8192  # the card's copy (bytes) and square matmul (n) measured
# FlashRNN's published H100 figures for B 16, T 1024, hidden 768, bf16 (targets.md), for the markdown's reader.
FLASHRNN = [("LSTM forward, 1 x 768", "4.87 ms", "cuDNN 2.01 ms"),
            ("LSTM forward + backward, 1 x 768", "13.61 ms", "cuDNN 5.19 ms"),
            ("LSTM forward, 12 x 64", "3.10 ms", "FlashRNN Triton 1.99 ms"),
            ("LSTM forward + backward, 12 x 64", "8.64 ms", "Triton 18.9 ms")]


def key(row):
    """The problem a row measured; the numbers as ints, whether the row was read from a CSV or made here."""
    return (row["suite"], row["method"], row["cell"], row["dtype"]) + tuple(
        int(row[k]) for k in ("batch", "steps", "heads", "head_size"))


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if rows and list(rows[0].keys()) != HEADER:
        raise SystemExit(f"{path}: expected the columns {','.join(HEADER)}")
    return rows


def write(path, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def row(suite, method, backend, dtype, cell, b, t, nh, d, mean_us, copies=False):
    """A tidy row with the derived figures the C# benchmark also computes (same formulas: Columns/)."""
    elements = b * t * nh * d
    us_per_step = gb = tflops = ""
    if suite == "recurrent":
        us_per_step = mean_us / t
        products = 3 if method == "forward+backward" else 1
        tflops = 2.0 * b * t * GATES[cell] * nh * d * d * products / (mean_us * 1e6)
    else:
        arrays = 3 if method == "forward" else 5
        gb = elements * arrays * (2 if dtype in ("bf16", "fp16") else 4) / (mean_us * 1e3)
    return {"suite": suite, "method": method, "backend": backend, "dtype": dtype, "cell": cell, "batch": b, "steps": t,
            "heads": nh, "head_size": d, "mean_us": mean_us, "us_per_step": us_per_step, "gb_per_s": gb,
            "tflop_per_s": tflops, "speedup": "", "baseline": "", "copies": "host-device" if copies else "none"}


def card(out):
    import torch
    from rnn_torch import time_ms
    src = torch.empty(CARD_COPY_BYTES // 4, device="cuda")
    dst = torch.empty_like(src)
    copy_ms = time_ms(lambda: dst.copy_(src))
    facts = {"name": torch.cuda.get_device_name(0), "torch": torch.__version__, "cuda": torch.version.cuda,
             "cudnn": torch.backends.cudnn.version(),  # bf16 nn.LSTM runs on cuDNN from 9.13 (torch_checks.versions)
             "copy_GB_per_s": 2 * src.numel() * 4 / (copy_ms * 1e6)}
    src = dst = None  # frees the two 2 GiB buffers before the matmuls (a del would leave the lambda a dangling name)
    n = CARD_MATMUL_N
    torch.backends.cuda.matmul.allow_tf32 = False
    for name, dtype in (("bf16", torch.bfloat16), ("fp32", torch.float32)):
        a, b = torch.randn(n, n, device="cuda", dtype=dtype), torch.randn(n, n, device="cuda", dtype=dtype)
        facts[f"matmul_{name}_TFLOP_per_s"] = 2 * n ** 3 / (time_ms(lambda: a @ b, repeats=10) * 1e9)
    with open(os.path.join(out, "card.json"), "w") as f:
        json.dump(facts, f, indent=1)
    print(json.dumps(facts), flush=True)


def peers(ours_csv, out):
    import torch
    from rnn_torch import inputs, reference, time_ms
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    rows = []
    problems = sorted({key(r) for r in read(ours_csv)})
    for suite, method, cell, dtype_name, b, t, nh, d in problems:
        b, t, nh, d = int(b), int(t), int(nh), int(d)
        dtype = dtypes[dtype_name]
        backward = method in ("forward+backward", "backward")
        try:
            if suite == "scan":
                a = (torch.rand(b, t, nh, d, device="cuda") * 0.5 + 0.5).to(dtype).requires_grad_(backward)
                x = torch.randn(b, t, nh, d, device="cuda").to(dtype).requires_grad_(backward)

                def scan_loop():
                    state, hs = torch.zeros(b, nh, d, device="cuda", dtype=dtype), []
                    for step in range(t):
                        state = torch.addcmul(x[:, step], a[:, step], state)
                        hs.append(state)
                    return torch.stack(hs, 1)
                if backward:  # our "backward" times the backward alone: so does its peer (the graph built untimed)
                    ms = backward_ms(scan_loop, torch.ones(b, t, nh, d, device="cuda", dtype=dtype))
                else:
                    with torch.no_grad():
                        ms = time_ms(scan_loop, repeats=3)
                rows.append(row(suite, method, "torch-loop", dtype_name, cell, b, t, nh, d, 1e3 * ms))
                continue
            torch_cell = "rnn" if cell == "elman" else cell
            wx, r, bias, initial = inputs(torch_cell, dtype, b, t, nh, d, 7)
            for leaf in (wx, r, bias):
                leaf.requires_grad_(backward)
            dy = torch.randn(b, t, nh, d, device="cuda").to(dtype)

            def step_loop():
                y, _ = reference(torch_cell, wx, r, bias, initial, dtype=dtype)
                if backward:
                    y.backward(dy)
            with torch.set_grad_enabled(backward):
                rows.append(row(suite, method, "torch-loop", dtype_name, cell, b, t, nh, d, 1e3 * time_ms(step_loop, repeats=3)))
            if cell in CUDNN and nh == 1:
                net = getattr(torch.nn, CUDNN[cell])(d, d, batch_first=True).cuda().to(dtype)
                x = torch.randn(b, t, d, device="cuda", dtype=dtype, requires_grad=backward)
                w_ih = torch.randn(GATES[cell] * d, d, device="cuda", dtype=dtype)
                gates = torch.randn(b * t, GATES[cell] * d, device="cuda", dtype=dtype)
                dy_layer = torch.randn(b, t, d, device="cuda", dtype=dtype)

                def cudnn():
                    y, _ = net(x)
                    if backward:
                        y.backward(dy_layer)

                def input_gemm():  # x W_ih^T; in training also dx = dG W_ih and dW_ih = dG^T x
                    x2 = x.detach().reshape(b * t, d)
                    x2 @ w_ih.t()
                    if backward:
                        gates @ w_ih
                        gates.t() @ x2
                with torch.set_grad_enabled(backward):
                    rows.append(row(suite, method, "torch-cudnn", dtype_name, cell, b, t, nh, d, 1e3 * time_ms(cudnn)))
                with torch.no_grad():
                    rows.append(row(suite, method, "torch-input-gemm", dtype_name, cell, b, t, nh, d, 1e3 * time_ms(input_gemm)))
        except Exception as e:  # noqa: BLE001 -- one failing peer must not hide the others
            print(f"peer {suite} {method} {cell} {dtype_name} B{b} T{t} {nh}x{d}: {str(e)[:300]}", flush=True)
            continue
        print(json.dumps(rows[-1]), flush=True)
    write(os.path.join(out, "peers.csv"), rows)


def backward_ms(forward, grad, repeats=3):
    """The median time of forward().backward(grad) without the forward: each repeat builds its graph untimed."""
    import torch
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(repeats + 1):
        with torch.enable_grad():
            out = forward()
        torch.cuda.synchronize()
        start.record()
        out.backward(grad)
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    times = sorted(times[1:])
    return times[len(times) // 2]


def merge(ours_csv, peers_csv, card_json, prefix):
    ours, peer_rows = read(ours_csv), read(peers_csv)
    if not any(r["backend"] == "cuda" for r in ours):  # a run whose GPU suites failed is not a comparison
        raise SystemExit(f"{ours_csv}: no row of our native kernels (backend cuda); see bench.log")
    gemm = {key(r): float(r["mean_us"]) for r in peer_rows if r["backend"] == "torch-input-gemm"}
    rows = [r for r in ours] + [r for r in peer_rows if r["backend"] != "torch-input-gemm"]
    for r in ours:  # the fair match for nn.LSTM: our kernel plus the input projection it leaves to the caller
        if r["backend"] == "cuda" and key(r) in gemm:
            rows.append(row(r["suite"], r["method"], "cuda+input-gemm", r["dtype"], r["cell"], int(r["batch"]), int(r["steps"]),
                            int(r["heads"]), int(r["head_size"]), float(r["mean_us"]) + gemm[key(r)]))
    by_backend = {(r["backend"], key(r)): float(r["mean_us"]) for r in rows}
    for r in rows:
        for base in ("torch-cudnn", "torch-loop"):
            if (base, key(r)) in by_backend:
                r["speedup"] = by_backend[(base, key(r))] / float(r["mean_us"])
                r["baseline"] = f"{base}/{r['dtype']}"
                break
    rows.sort(key=lambda r: (r["suite"], int(r["batch"]), int(r["steps"]), int(r["heads"]) * int(r["head_size"]),
                             int(r["heads"]), r["cell"], r["method"], r["dtype"], r["backend"]))
    write(prefix + ".csv", rows)
    with open(card_json) as f:
        facts = json.load(f)
    lines = [f"# Side-by-side on {facts['name']} (torch {facts['torch']}, CUDA {facts['cuda']}, cuDNN {facts.get('cudnn')})", "",
             f"Measured: device-to-device copy {facts['copy_GB_per_s']:.0f} GB/s; dense matmul bf16 "
             f"{facts['matmul_bf16_TFLOP_per_s']:.0f} TFLOP/s, fp32 {facts['matmul_fp32_TFLOP_per_s']:.1f} TFLOP/s.", "",
             "| suite | method | shape | cell | dtype | who | ms | us/step | GB/s | TFLOP/s | speedup | vs | copies |",
             "| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"]

    def fmt(value, spec):
        return "" if value in ("", None) else format(float(value), spec)
    for r in rows:
        shape = f"B{r['batch']} T{r['steps']} {r['heads']}x{r['head_size']}"
        lines.append(f"| {r['suite']} | {r['method']} | {shape} | {r['cell']} | {r['dtype']} | {r['backend']} | "
                     f"{fmt(float(r['mean_us']) / 1e3, '.3f')} | {fmt(r['us_per_step'], '.3f')} | {fmt(r['gb_per_s'], '.0f')} | "
                     f"{fmt(r['tflop_per_s'], '.3f')} | {fmt(r['speedup'], '.2f')} | {r['baseline']} | {r['copies']} |")
    lines += ["", "FlashRNN's published H100 SXM figures (B 16, T 1024, bf16; targets.md), not measured here:", "",
              "| what | FlashRNN fused | other peers |", "| --- | --- | --- |"]
    lines += [f"| {w} | {f} | {o} |" for w, f, o in FLASHRNN]
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines), flush=True)


def main(argv):
    if len(argv) >= 1 and argv[0] == "header":
        print(",".join(HEADER))
    elif len(argv) == 2 and argv[0] == "card":
        card(argv[1])
    elif len(argv) == 3 and argv[0] == "peers":
        peers(argv[1], argv[2])
    elif len(argv) == 5 and argv[0] == "merge":
        merge(*argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
