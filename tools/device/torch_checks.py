"""What the GPU check scripts (scan_check.py, rnn_check.py, rnn_backward_check.py) share: the catalog name of the lent
card, the relative L2 error against a float64 torch reference (infinite for NaN or an unwritten, poisoned element), and
how one case of a matrix is run and reported."""
import contextlib
import faulthandler
import json
import os
import subprocess
import sys

import torch

import fastrecurrence_ctypes as fr


CASE_WATCHDOG_S = 120  # one case: its reference in float64 and its call take seconds; its compile was done ahead


@contextlib.contextmanager
def watchdog(seconds=None):
    """Around one case or one timing: a kernel that never finishes (a grid or cluster barrier on hardware for the first
    time) ends the process after `seconds` with every thread's stack printed, instead of idling to the step's limit
    (the sections written so far stay in the JSON, the cases so far in the log)."""
    faulthandler.dump_traceback_later(seconds or CASE_WATCHDOG_S, exit=True, file=sys.stderr)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def catalog_name():
    """The planner catalog's name for cuda:0 (H100 SXM and PCIe told apart by their SM count)."""
    name = torch.cuda.get_device_name(0)
    if "H200" in name:
        return "H200"
    if "H100" in name:
        return "H100-SXM" if torch.cuda.get_device_properties(0).multi_processor_count >= 132 else "H100-PCIe"
    return "H100-SXM"


def open_context(lib):
    """GPU 0's context; with FR_CHECK_EMULATED=1 (set by tools/device/rehearse.py) the CPU emulator's, an emulated
    sm_90 whose "device" memory is host memory, where the rehearsal's stand-in torch keeps its tensors."""
    context = fr.c_void_p()
    if os.environ.get("FR_CHECK_EMULATED") == "1":
        options = fr.EmulationOptions(struct_size=fr.ctypes.sizeof(fr.EmulationOptions), arch=b"sm_90",
                                      schedule=fr.SCHEDULES["in_order"], workers=min(os.cpu_count() or 1, 16))
        fr.check(lib, lib.fr_emulation_context_create(fr.ctypes.byref(options), fr.ctypes.byref(context)))
    else:
        fr.check(lib, lib.fr_context_create(0, fr.ctypes.byref(context)))
    return context


def versions():
    """torch's, its CUDA's and cuDNN's versions, for the JSON beside the timings: a bf16 nn.LSTM / nn.GRU runs on cuDNN
    only where cuDNN takes bf16 RNNs (cuDNN 9.13 and a torch that asks it, pytorch#164411); before, torch runs its own
    cells, and a bf16 "cuDNN" time is that."""
    return {"torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version()}


def cli_json(args):
    """The CLI's JSON output (plan --json / --abi-json); a failure raises with the CLI's own message (its stderr),
    which subprocess.run(check=True) would drop."""
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[2:])}: exit {proc.returncode}: {proc.stderr.strip()[-600:]}")
    return json.loads(proc.stdout)


def run_sections(sections, lib, context, results, path):
    """Runs each section(lib, context) in order: one that raises is recorded in results["errors"] and the next still
    runs; `results` is written to `path` after each (a step cut short keeps every finished section). Returns how
    many raised."""
    raised = 0
    for section in sections:
        try:
            section(lib, context)
        except Exception as e:  # noqa: BLE001
            raised += 1
            results.setdefault("errors", []).append(f"{section.__name__}: {e}"[:600])
            print(f"FAIL section {section.__name__}: {e}", flush=True)
        dump_json(results, path)
    return raised


def dump_json(results, path):
    """Writes `results` now (each section calls it), so a step killed by its timeout still leaves what it measured."""
    with open(path, "w") as f:
        json.dump(results, f, indent=1)


def rel_l2(x, ref):
    x = x.double()
    if not torch.isfinite(x).all():
        return float("inf")
    return ((x - ref).norm() / ref.norm().clamp_min(1e-300)).item()


def checked_case(case, check, into):
    """Runs check(case), which fills in `case` and returns whether it passed; an exception becomes the case's error
    (every case reports, none stops the matrix). Sets case["ok"], appends the case to `into` and prints it as one JSON
    line. Returns 1 when the case failed, else 0 (the caller's failure count)."""
    with watchdog():
        try:
            case["ok"] = bool(check(case))
        except Exception as e:  # noqa: BLE001
            case["error"] = str(e)[:400]
            case["ok"] = False
    into.append(case)
    print(json.dumps(case), flush=True)
    return 0 if case["ok"] else 1
