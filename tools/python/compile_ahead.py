"""Compiles ahead, in parallel, every kernel module that calls with some plans will load.

A call compiles its plan's modules with NVRTC on first use (0.3 to 3 s each) and one at a time; a GPU check that runs a
hundred plans spends minutes there. The library names each plan's modules (fr_plan_module_count / fr_plan_module:
its own build, with lengths the FR_LENGTHS one, a backward plan's reductions) and fr_compile puts a module's cubin in
the cache the calls read ($FR_CACHE_DIR unless `cache_dir`). NVRTC releases Python's lock (ctypes calls do) and the
cache takes concurrent writers, so threads compile side by side. No GPU or context needed: only NVRTC and the arch.

    results = compile_ahead(lib, [(plan, lengths), ...], "sm_90", workers=16)

plan: an fr Plan (fastrecurrence_ctypes.Plan, kept alive by the caller); lengths: 1 for calls that pass per-sequence
lengths, else 0. Returns one dict per distinct module (source, defines, status, message, milliseconds, cache_hit), and
one per plan the library refuses (source, status, message; defines of the plan itself, milliseconds 0). Neither is
raised: the rest still compiles, and the call that needs it will say so again.

As a program (a deployment's build step, or a GPU session before its checks):
    compile_ahead.py --arch sm_90 PLANS.json [--workers N] [--cache-dir DIR] [--library PATH]
PLANS.json: a list of the CLI's `plan --abi-json` objects, each with an optional "lengths": true. Prints the results
as JSON; exits 1 if a module failed.
"""
import argparse
import ctypes
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import fastrecurrence_ctypes as fr


def plan_modules(lib, plan, lengths):
    """The modules a call with `plan` loads, in load order (fr_plan_module); they point at the plan's strings."""
    count = ctypes.c_int()
    fr.check(lib, lib.fr_plan_module_count(ctypes.byref(plan), lengths, ctypes.byref(count)))
    modules = []
    for index in range(count.value):
        module = fr.Plan()
        module.struct_size = ctypes.sizeof(fr.Plan)
        fr.check(lib, lib.fr_plan_module(ctypes.byref(plan), lengths, index, ctypes.byref(module)))
        modules.append(module)
    return modules


def module_key(module):
    count = min(max(module.define_count, 0), fr.FR_MAX_DEFINES)  # a refused plan's count may be anything
    defines = tuple((module.defines[i].name or b"", module.defines[i].value) for i in range(count))
    return module.source_name, defines


def compile_module(lib, module, arch, cache_dir=None):
    """fr_compile of one module for `arch` through the cubin cache: a result dict (status 0 is FR_OK)."""
    options = fr.CompileOptions()
    options.struct_size = ctypes.sizeof(fr.CompileOptions)
    options.source_name = module.source_name
    options.arch = arch.encode()
    options.defines = ctypes.cast(module.defines, ctypes.POINTER(fr.Define))
    options.define_count = module.define_count
    options.cache_dir = os.fsencode(cache_dir) if cache_dir else None
    options.use_cache = 1
    result = fr.CompileResult()
    result.struct_size = ctypes.sizeof(fr.CompileResult)
    status = lib.fr_compile(ctypes.byref(options), ctypes.byref(result))
    source, defines = module_key(module)
    return {"source": source.decode(), "defines": {name.decode(): value for name, value in defines}, "status": status,
            "message": lib.fr_last_error().decode(errors="replace") if status != 0 else "",  # this thread's last error
            "milliseconds": result.milliseconds, "cache_hit": bool(result.cache_hit)}


def compile_ahead(lib, plans, arch, workers=8, cache_dir=None):
    """Every distinct module of `plans` ((Plan, lengths) pairs) compiled for `arch`, `workers` at a time."""
    distinct: dict[tuple, fr.Plan] = {}
    refused = []
    for plan, lengths in plans:
        try:
            modules = plan_modules(lib, plan, lengths)
        except fr.FastRecurrenceError as e:
            source, defines = module_key(plan)
            refused.append({"source": (source or b"").decode(), "defines": {n.decode(): v for n, v in defines},
                            "status": e.status, "message": str(e), "milliseconds": 0.0, "cache_hit": False})
            continue
        for module in modules:
            distinct.setdefault(module_key(module), module)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return refused + list(pool.map(lambda module: compile_module(lib, module, arch, cache_dir), distinct.values()))


def main():
    parser = argparse.ArgumentParser(description="Compile every module of some plans ahead, into the cubin cache.")
    parser.add_argument("plans", help="a JSON list of `plan --abi-json` objects (optional \"lengths\": true)")
    parser.add_argument("--arch", required=True, help="sm_80, sm_90, ...: the GPU the calls will run on")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--cache-dir", default=None, help="default: $FR_CACHE_DIR, as the calls read it")
    parser.add_argument("--library", default=None, help="libfastrecurrence (default: $FR_NATIVE_LIBRARY, build/native)")
    args = parser.parse_args()
    lib = fr.load(args.library)
    with open(args.plans) as f:
        abis = json.load(f)
    built = [(fr.plan_from_abi_json(abi), 1 if abi.get("lengths") else 0) for abi in abis]
    results = compile_ahead(lib, [(plan, lengths) for (plan, _), lengths in built], args.arch, args.workers,
                            args.cache_dir)
    print(json.dumps(results, indent=1))
    sys.exit(1 if any(r["status"] != 0 for r in results) else 0)


if __name__ == "__main__":
    main()
