#!/usr/bin/env python3
"""The ctypes bindings against the built library, no GPU needed (CTest python_bindings): the bindings declare every
function of the header and nothing else, each resolves, the ABI version is the header's, and calls with bad arguments come back as the library's named
errors (so the argument types marshal). Usage: check_bindings.py LIBRARY HEADER"""
import ctypes
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fastrecurrence_ctypes as fr  # noqa: E402

lib = fr.load(sys.argv[1])
header = open(sys.argv[2]).read()
declared = set(re.findall(r"FR_API\s+[\w\s\*]+?\b(fr_\w+)\s*\(", header))
bound = {name for name in dir(lib) if name.startswith("fr_")}
version_line = re.search(r"#define FR_ABI_VERSION (\d+)", header)
if version_line is None:
    sys.exit(f"{sys.argv[2]}: no #define FR_ABI_VERSION line")
version = int(version_line.group(1))
failures = []
if lib.fr_abi_version() != version:
    failures.append(f"fr_abi_version() = {lib.fr_abi_version()}, header says {version}")
if fr.ABI_VERSION != version:
    failures.append(f"the bindings declare ABI {fr.ABI_VERSION}, the header {version}")
extra = bound - declared
if extra:
    failures.append(f"bound but not in the header: {sorted(extra)}")
missing = declared - bound
if missing:
    failures.append(f"in the header but not bound: {sorted(missing)}")


def expect(status, fragment):
    if status == 0 or fragment not in lib.fr_last_error().decode():
        failures.append(f"expected an error naming {fragment!r}, got status {status}: {lib.fr_last_error().decode()}")


x = fr.Tensor()
expect(lib.fr_linear(None, ctypes.byref(x), ctypes.byref(x), ctypes.byref(x), 1, None, None), "x.data")  # arguments before the context
expect(lib.fr_rnn_forward(None, None, None, None, None, None, None, None, None, None, None), "plan")
expect(lib.fr_rnn_forward_training(None, None, None, None, None, None, None, None, None, None, None, None), "reserve")
expect(lib.fr_rnn_backward(None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None),
       "plan")
expect(lib.fr_rnn_reserve_size(None, 1, 1, ctypes.byref(fr.c_int64())), "plan")
expect(lib.fr_malloc(None, 16, ctypes.byref(fr.c_void_p())), "context")
expect(lib.fr_memset_zero(None, None, 16, None), "device_pointer")
expect(lib.fr_launch(None, b"fr_scan_forward", ctypes.byref(fr.LaunchConfig(struct_size=ctypes.sizeof(fr.LaunchConfig))),
                     None), "module")
expect(lib.fr_kernel_source(lib.fr_kernel_source_count(), ctypes.byref(fr.c_char_p()), ctypes.byref(fr.c_char_p())),
       "index")
expect(lib.fr_plan_module_count(None, 0, ctypes.byref(fr.c_int())), "plan")
expect(lib.fr_plan_module(None, 0, 0, ctypes.byref(fr.Plan())), "plan")
expect(lib.fr_plan_prepare(None, None, 0), "plan")
# the emulation options field by field: each bad value is named, so each field lands where the library reads it
for field, value, fragment in (("schedule", 7, "options.schedule"), ("arch", b"sm_42", "options.arch"),
                               ("workers", 17, "options.workers"), ("compiler", b"/nonexistent/c++", "/nonexistent/c++")):
    emulation = fr.EmulationOptions(struct_size=ctypes.sizeof(fr.EmulationOptions))
    setattr(emulation, field, value)
    expect(lib.fr_emulation_context_create(ctypes.byref(emulation), ctypes.byref(fr.c_void_p())), fragment)
# device pointers are plain integers (torch's data_ptr()): cu_seqlens takes one, as lengths do
expect(lib.fr_scan_forward(None, None, None, None, None, None, None, 0x7F0000001000, 1, None), "plan")
# a message that is not UTF-8 (a caller's path echoed back) still arrives as the library's named error
latin1 = fr.EmulationOptions(struct_size=ctypes.sizeof(fr.EmulationOptions), compiler=b"/nonexistent/caf\xe9/c++")
status = lib.fr_emulation_context_create(ctypes.byref(latin1), ctypes.byref(fr.c_void_p()))
try:
    fr.check(lib, status)
    failures.append("a compiler that does not exist was accepted")
except fr.FastRecurrenceError as error:
    if "caf\ufffd" not in str(error):
        failures.append(f"the non-UTF-8 path did not come back replaced: {error}")
# output buffers are writable memory: an immutable bytes object is refused by the binding, not written into
try:
    lib.fr_emulation_compiler(bytes(64), 64)
    failures.append("fr_emulation_compiler accepted an immutable bytes object")
except ctypes.ArgumentError:
    pass
# FR_NATIVE_LIBRARY (or load's path) may name the library's folder, as for the C# resolver
if fr.load(os.path.dirname(os.path.abspath(sys.argv[1]))).fr_abi_version() != version:
    failures.append("load() of the library's folder found another library")
print(f"{len(bound)} bound functions of {len(declared)} in the header; ABI {version}")
for failure in failures:
    print("FAIL:", failure)
sys.exit(1 if failures else 0)
