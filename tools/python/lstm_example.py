#!/usr/bin/env python3
"""Another framework training an LSTM layer through libfastrecurrence's C ABI, with nothing but Python and ctypes:

    python3 tools/python/lstm_example.py              (a CUDA GPU; ./build.sh and the .NET CLI for the plans)
    python3 tools/python/lstm_example.py --emulated   (no GPU: the CPU emulator of the CUDA kernels, a C++ compiler)

For callers with no tensor library of their own: memory from fr_malloc, copies through fr_memcpy_*. The steps a layer
takes: the input projection Wx = x W_ih^T (fr_linear), the training forward (fr_rnn_forward_training: y, the last
states and the reserve the backward reads), the backward (fr_rnn_backward: dL/dWx, dL/dR, dL/db, dL/d initial states
for L = <y, dy>). The plans come from the planner through the CLI (`plan --abi-json`). Checked against a float64
forward in pure Python: the outputs by relative L2 error (math.md section 7: 1e-5 for fp32), each gradient by its
directional derivative along a random direction, which central differences of the float64 forward give
independently of any backward code (to the same relative bound). Exits 1 when a check fails.
"""
import argparse
import ctypes
import json
import math
import os
import random
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fastrecurrence_ctypes as fr  # noqa: E402

B, T, NH, D, INPUTS = 3, 6, 2, 32, 24  # B = 3: fewer sequences than the kernel's batch tile (masked rows)
G, GB, S = 4, 4, 2  # LSTM: gates i, f, z, o; four biases; states y, c
H = NH * D
TOLERANCE = 1e-5  # fp32, exact FMA path
GRADIENT_TOLERANCE = 1e-5  # relative, as math.md asks of gradients (see the check below)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def reference(wx, r, bias, initial):
    """The LSTM forward of math.md section 2 in float64 over flat row-major lists: wx [B, T, G, NH, D],
    r [G, NH, D, D], bias [G, NH, D], initial [S, B, NH, D]. Returns (y [B, T, NH, D], last [S, B, NH, D])."""
    y = [0.0] * (B * T * H)
    last = [0.0] * (S * B * H)
    for b in range(B):
        h = initial[b * H:(b + 1) * H]
        c = initial[(B + b) * H:(B + b + 1) * H]
        for t in range(T):
            new_h, new_c = [0.0] * H, [0.0] * H
            for head in range(NH):
                for d in range(D):
                    unit = head * D + d
                    g = []
                    for gate in range(G):
                        row = ((gate * NH + head) * D + d) * D
                        g.append(wx[((b * T + t) * G + gate) * H + unit] + bias[gate * H + unit]
                                 + sum(r[row + p] * h[head * D + p] for p in range(D)))
                    i, f, z, o = sigmoid(g[0]), sigmoid(g[1]), math.tanh(g[2]), sigmoid(g[3])
                    new_c[unit] = f * c[unit] + i * z
                    new_h[unit] = o * math.tanh(new_c[unit])
            h, c = new_h, new_c
            y[(b * T + t) * H:(b * T + t + 1) * H] = h
        last[b * H:(b + 1) * H] = h
        last[(B + b) * H:(B + b + 1) * H] = c
    return y, last


def relative_error(got, want):
    if any(math.isnan(v) for v in got):
        return math.inf
    return math.sqrt(sum((a - b) ** 2 for a, b in zip(got, want)) / sum(b * b for b in want))


def dot(u, v):
    return sum(a * b for a, b in zip(u, v))


def norm(v):
    return math.sqrt(dot(v, v))


class Memory:
    """fr_malloc'd buffers of fp32 on one context, freed together."""

    def __init__(self, lib, context):
        self.lib, self.context, self.pointers = lib, context, []

    def alloc(self, count):
        pointer = ctypes.c_void_p()
        fr.check(self.lib, self.lib.fr_malloc(self.context, 4 * count, ctypes.byref(pointer)))
        self.pointers.append(pointer)
        poison = (ctypes.c_float * count)(*([math.nan] * count))  # every output element must be written
        fr.check(self.lib, self.lib.fr_memcpy_to_device(self.context, pointer, poison, 4 * count))
        return pointer

    def upload(self, values):
        pointer = self.alloc(len(values))
        host = (ctypes.c_float * len(values))(*values)
        fr.check(self.lib, self.lib.fr_memcpy_to_device(self.context, pointer, host, 4 * len(values)))
        return pointer

    def download(self, pointer, count):
        host = (ctypes.c_float * count)()
        fr.check(self.lib, self.lib.fr_memcpy_to_host(self.context, host, pointer, 4 * count))
        return list(host)

    def free(self):
        for pointer in self.pointers:
            fr.check(self.lib, self.lib.fr_free(self.context, pointer))


def plan(cli, gpu, backward):
    args = cli + ["plan", "--gpu", gpu, "--cell", "lstm", "--hidden", str(H), "--heads", str(NH), "--batch", str(B),
                  "--steps", str(T), "--dtype", "fp32", "--abi-json"] + (["--backward"] if backward else [])
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the planner failed ({shlex.join(args)}): {done.stderr.strip() or done.stdout.strip()}")
    return fr.plan_from_abi_json(json.loads(done.stdout))


def catalog_name(lib):
    """The planner catalog's name for GPU 0 (H100 SXM and PCIe told apart by their SM count), or None."""
    name = ctypes.create_string_buffer(256)
    sms = ctypes.c_int()
    fr.check(lib, lib.fr_device_name(0, name, len(name)))
    fr.check(lib, lib.fr_device_attribute(0, 16, ctypes.byref(sms)))  # CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT
    if b"H200" in name.value:
        return "H200"
    if b"H100" in name.value:
        return "H100-SXM" if sms.value >= 132 else "H100-PCIe"
    return None


def create_context(lib, emulated, cache_dir):
    context = ctypes.c_void_p()
    if emulated:
        options = fr.EmulationOptions(struct_size=ctypes.sizeof(fr.EmulationOptions), arch=b"sm_90",
                                      schedule=fr.SCHEDULES["random"], seed=1, workers=0,
                                      cache_dir=os.fsencode(cache_dir) if cache_dir else None)
        fr.check(lib, lib.fr_emulation_context_create(ctypes.byref(options), ctypes.byref(context)))
    else:
        fr.check(lib, lib.fr_context_create(0, ctypes.byref(context)))
    return context


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emulated", action="store_true", help="run on the CPU emulator instead of GPU 0")
    parser.add_argument("--gpu", help="the catalog GPU the planner sizes for (`plan --list-gpus`); default: GPU 0's "
                        "for an H100 / H200, and H100-SXM on the emulator (an emulated sm_90)")
    parser.add_argument("--cli", default="dotnet run -c Release --project tools/FastRecurrence.Cli --",
                        help="the command that runs the FastRecurrence CLI")
    parser.add_argument("--library", help="libfastrecurrence's path (default: $FR_NATIVE_LIBRARY, else build/native/lib)")
    parser.add_argument("--cache-dir", help="the emulator's compiled modules (default: the library's cubin cache)")
    options = parser.parse_args(argv)
    cli = shlex.split(options.cli)

    lib = fr.load(options.library)
    print(lib.fr_version_string().decode())
    try:
        context = create_context(lib, options.emulated, options.cache_dir)
    except fr.FastRecurrenceError as e:
        print(f"no context: {e}" + ("" if options.emulated else "\n(--emulated runs on the CPU emulator, no GPU needed)"),
              file=sys.stderr)
        return 2
    gpu = options.gpu or ("H100-SXM" if options.emulated else catalog_name(lib))
    if gpu is None:
        parser.error("GPU 0 is not an H100 or H200: name its catalog entry with --gpu (`plan --list-gpus`)")
    forward_plan, keep_forward = plan(cli, gpu, backward=False)
    backward_plan, keep_backward = plan(cli, gpu, backward=True)
    memory = Memory(lib, context)

    rng = random.Random(2026)
    scale = 1.0 / math.sqrt(D)
    x = [rng.gauss(0, 1) for _ in range(B * T * INPUTS)]
    w_ih = [rng.gauss(0, 1) / math.sqrt(INPUTS) for _ in range(G * H * INPUTS)]  # PyTorch's weight_ih: [G * H, I]
    r = [rng.uniform(-scale, scale) for _ in range(G * NH * D * D)]
    bias = [rng.uniform(-0.5, 0.5) for _ in range(GB * H)]
    initial = [rng.uniform(-0.5, 0.5) for _ in range(S * B * H)]
    dy = [rng.gauss(0, 1) for _ in range(B * T * H)]

    def view(pointer, shape):
        return ctypes.byref(fr.contiguous(pointer, "float32", shape))

    # Wx = x W_ih^T over the B * T rows: [B * T, G * NH * D] is Wx [B, T, G, NH, D]
    x_d, w_ih_d, wx_d = memory.upload(x), memory.upload(w_ih), memory.alloc(B * T * G * H)
    fr.check(lib, lib.fr_linear(context, view(x_d, [B * T, INPUTS]), view(w_ih_d, [G * H, INPUTS]),
                                view(wx_d, [B * T, G * H]), 1, None, None))
    wx_shape = [B, T, G, NH, D]
    r_d, bias_d, initial_d = memory.upload(r), memory.upload(bias), memory.upload(initial)
    y_d, last_d = memory.alloc(B * T * H), memory.alloc(S * B * H)
    reserve_size = ctypes.c_int64()
    fr.check(lib, lib.fr_rnn_reserve_size(ctypes.byref(forward_plan), B, T, ctypes.byref(reserve_size)))
    reserve_d = memory.alloc(reserve_size.value)
    fr.check(lib, lib.fr_rnn_forward_training(
        context, ctypes.byref(forward_plan), view(wx_d, wx_shape), view(r_d, [G, NH, D, D]), view(bias_d, [GB, NH, D]),
        view(initial_d, [S, B, NH, D]), view(y_d, [B, T, NH, D]), None, view(last_d, [S, B, NH, D]),
        view(reserve_d, [reserve_size.value]), None, None))

    dy_d = memory.upload(dy)
    dwx_d, dr_d = memory.alloc(B * T * G * H), memory.alloc(G * NH * D * D)
    dbias_d, dinitial_d = memory.alloc(GB * H), memory.alloc(S * B * H)
    fr.check(lib, lib.fr_rnn_backward(
        context, ctypes.byref(backward_plan), None, view(wx_d, wx_shape), view(r_d, [G, NH, D, D]),
        view(bias_d, [GB, NH, D]), view(initial_d, [S, B, NH, D]), view(y_d, [B, T, NH, D]),
        view(reserve_d, [reserve_size.value]), view(dy_d, [B, T, NH, D]), None, view(dwx_d, wx_shape),
        view(dr_d, [G, NH, D, D]), view(dbias_d, [GB, NH, D]), view(dinitial_d, [S, B, NH, D]), None, None))
    fr.check(lib, lib.fr_synchronize(context, None))

    wx = memory.download(wx_d, B * T * G * H)
    outputs = {"y": memory.download(y_d, B * T * H), "last_states": memory.download(last_d, S * B * H)}
    gradients = {"wx": memory.download(dwx_d, B * T * G * H), "r": memory.download(dr_d, G * NH * D * D),
                 "bias": memory.download(dbias_d, GB * H), "initial_states": memory.download(dinitial_d, S * B * H)}
    memory.free()
    fr.check(lib, lib.fr_context_destroy(context))
    del keep_forward, keep_backward

    failures = []
    wx_reference = [sum(x[n * INPUTS + k] * w_ih[m * INPUTS + k] for k in range(INPUTS))
                    for n in range(B * T) for m in range(G * H)]
    y_reference, last_reference = reference(wx, r, bias, initial)
    for name, got, want in (("wx", wx, wx_reference), ("y", outputs["y"], y_reference),
                            ("last_states", outputs["last_states"], last_reference)):
        error = relative_error(got, want)
        print(f"{name:<16} relative L2 error {error:.2e} (limit {TOLERANCE:.0e})")
        if not error <= TOLERANCE:
            failures.append(name)

    # dL/d(input) . v for L = <y, dy>, by central differences of the float64 forward along v
    inputs = {"wx": wx, "r": r, "bias": bias, "initial_states": initial}
    epsilon = 1e-6
    for name, gradient in gradients.items():
        direction = [rng.gauss(0, 1) for _ in gradient]

        def loss(sign):
            moved = dict(inputs)
            moved[name] = [value + sign * epsilon * step for value, step in zip(inputs[name], direction)]
            return dot(reference(moved["wx"], moved["r"], moved["bias"], moved["initial_states"])[0], dy)

        expected = (loss(1) - loss(-1)) / (2 * epsilon)
        got = dot(gradient, direction)
        # a random direction meets the gradient at about |g| |v| / sqrt(n): relative to that, a gradient with relative
        # L2 error e misses by about e (times a standard normal's size), so this is math.md's relative bound
        scale = norm(gradient) * norm(direction) / math.sqrt(len(gradient))
        error = abs(got - expected) / scale if scale > 0 else math.inf
        print(f"d{name:<15} directional derivative {got:+.6e}, central difference {expected:+.6e}: "
              f"error {error:.2e} (limit {GRADIENT_TOLERANCE:.0e})")
        if not error <= GRADIENT_TOLERANCE:
            failures.append("d" + name)

    print(f"LSTM B={B} T={T} NH={NH} D={D} fp32 on {'the CPU emulator' if options.emulated else 'GPU 0'}: "
          + ("all checks passed" if not failures else "FAILED: " + ", ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
