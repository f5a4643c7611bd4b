"""Python bindings of libfastrecurrence's C ABI (interop/native/include/fastrecurrence.h) through ctypes.

A mirror of the header, no logic: the structs field for field, the functions with their argument types, and
`check` turning a status into an exception carrying fr_last_error(). Works on torch tensors through their device
pointers (tensor.data_ptr()) and torch's current stream (torch.cuda.current_stream().cuda_stream), and on memory from
fr_malloc for callers with no allocator of their own (an emulated context's "device" memory is host memory).
Every function of the header is bound (tools/python/check_bindings.py checks it).
"""
import ctypes
import os
from ctypes import POINTER, c_char, c_char_p, c_double, c_int, c_int64, c_size_t, c_uint32, c_uint64, c_void_p

ABI_VERSION = 2  # FR_ABI_VERSION of the header these bindings declare (check_bindings.py compares them)
FR_MAX_RANK = 8
FR_MAX_DEFINES = 64
DTYPES = {"float32": 0, "bfloat16": 1, "float16": 2, "float64": 3}
LAUNCH_KINDS = {"plain": 0, "cooperative": 1, "cluster": 2}
SCHEDULES = {"in_order": 0, "random": 1}


class Define(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("value", c_int64)]


class CompileOptions(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("source_name", c_char_p), ("arch", c_char_p),
                ("defines", POINTER(Define)), ("define_count", c_int), ("cache_dir", c_char_p), ("use_cache", c_int)]


class KernelReport(ctypes.Structure):
    _fields_ = [("name", c_char * 128), ("registers", c_int), ("spill_store_bytes", c_int), ("spill_load_bytes", c_int),
                ("shared_bytes", c_int), ("stack_bytes", c_int)]


class CompileResult(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("cache_hit", c_int), ("milliseconds", c_double), ("cubin_bytes", c_size_t),
                ("nvrtc_major", c_int), ("nvrtc_minor", c_int), ("kernel_count", c_int), ("kernels", KernelReport * 8),
                ("cache_key", c_char * 65)]


class Dim3(ctypes.Structure):
    _fields_ = [("x", c_uint32), ("y", c_uint32), ("z", c_uint32)]


class LaunchConfig(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("grid", Dim3), ("block", Dim3), ("cluster", Dim3), ("shared_bytes", c_uint32),
                ("kind", c_int), ("stream", c_void_p)]


class EmulationOptions(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("arch", c_char_p), ("schedule", c_int), ("seed", c_uint64),
                ("workers", c_int), ("compiler", c_char_p), ("cache_dir", c_char_p)]


class Tensor(ctypes.Structure):
    _fields_ = [("data", c_void_p), ("dtype", c_int), ("rank", c_int),
                ("shape", c_int64 * FR_MAX_RANK), ("strides", c_int64 * FR_MAX_RANK)]


class Plan(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("source_name", c_char_p), ("defines", Define * FR_MAX_DEFINES),
                ("define_count", c_int), ("grid", Dim3), ("block", Dim3), ("cluster", Dim3), ("shared_bytes", c_uint32),
                ("kind", c_int)]


class BackwardOptions(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("recurrent_clip", ctypes.c_float), ("truncate", c_int), ("accumulate", c_int)]


class WritableBuffer:
    """A writable char* argument: a ctypes buffer (create_string_buffer). ctypes' own char pointers also take an
    immutable bytes object, which the library would then write into."""

    @classmethod
    def from_param(cls, value):
        if not isinstance(value, ctypes.Array):
            raise TypeError(f"expected a writable buffer (ctypes.create_string_buffer), got {type(value).__name__}")
        return value


class FastRecurrenceError(RuntimeError):
    def __init__(self, status, name, message):
        super().__init__(f"{name}: {message}")
        self.status = status


def load(path=None):
    """Loads libfastrecurrence: `path`, else $FR_NATIVE_LIBRARY, else build/native/lib beside this repository."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = path or os.environ.get("FR_NATIVE_LIBRARY") or os.path.join(here, "..", "..", "build", "native", "lib")
    if os.path.isdir(path):  # a folder holding the library, as the C# resolver takes it too
        path = os.path.join(path, "libfastrecurrence.so")
    lib = ctypes.CDLL(path)
    if lib.fr_abi_version() != ABI_VERSION:  # another ABI's argument lists would be passed silently
        raise OSError(f"{path}: ABI version {lib.fr_abi_version()}, these bindings are for {ABI_VERSION}")
    ptr_t = POINTER(Tensor)
    signatures = {
        "fr_abi_version": ([], c_int), "fr_version_string": ([], c_char_p), "fr_last_error": ([], c_char_p),
        "fr_status_name": ([c_int], c_char_p), "fr_nvrtc_version": ([POINTER(c_int), POINTER(c_int)], c_int),
        "fr_kernel_source_count": ([], c_int),
        "fr_kernel_source": ([c_int, POINTER(c_char_p), POINTER(c_char_p)], c_int),
        "fr_device_count": ([POINTER(c_int)], c_int), "fr_device_name": ([c_int, WritableBuffer, c_size_t], c_int),
        "fr_device_attribute": ([c_int, c_int, POINTER(c_int)], c_int),
        "fr_compile": ([POINTER(CompileOptions), POINTER(CompileResult)], c_int),
        "fr_plan_module_count": ([POINTER(Plan), c_int, POINTER(c_int)], c_int),
        "fr_plan_module": ([POINTER(Plan), c_int, c_int, POINTER(Plan)], c_int),
        "fr_plan_prepare": ([c_void_p, POINTER(Plan), c_int], c_int),
        "fr_context_create": ([c_int, POINTER(c_void_p)], c_int), "fr_context_destroy": ([c_void_p], c_int),
        "fr_malloc": ([c_void_p, c_size_t, POINTER(c_void_p)], c_int), "fr_free": ([c_void_p, c_void_p], c_int),
        "fr_memcpy_to_device": ([c_void_p, c_void_p, c_void_p, c_size_t], c_int),
        "fr_memcpy_to_host": ([c_void_p, c_void_p, c_void_p, c_size_t], c_int),
        "fr_memset_zero": ([c_void_p, c_void_p, c_size_t, c_void_p], c_int),
        "fr_synchronize": ([c_void_p, c_void_p], c_int),
        "fr_module_load": ([c_void_p, POINTER(CompileOptions), POINTER(c_void_p)], c_int),
        "fr_module_unload": ([c_void_p], c_int),
        "fr_launch": ([c_void_p, c_char_p, POINTER(LaunchConfig), POINTER(c_void_p)], c_int),
        "fr_emulation_context_create": ([POINTER(EmulationOptions), POINTER(c_void_p)], c_int),
        "fr_emulation_configure": ([c_void_p, c_int, c_uint64], c_int),
        "fr_context_is_emulated": ([c_void_p, POINTER(c_int)], c_int),
        "fr_emulation_compiler": ([WritableBuffer, c_size_t], c_int),
        "fr_scan_forward": ([c_void_p, POINTER(Plan), ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, c_void_p, c_int, c_void_p], c_int),
        "fr_scan_backward": ([c_void_p, POINTER(Plan), ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, ptr_t,
                              c_void_p, c_int, c_void_p], c_int),
        # lengths (the last pointer before the stream): device int32 [B] or None
        "fr_rnn_forward": ([c_void_p, POINTER(Plan), ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, c_void_p, c_void_p], c_int),
        "fr_rnn_reserve_size": ([POINTER(Plan), c_int64, c_int64, POINTER(c_int64)], c_int),
        "fr_rnn_states_reserve_size": ([POINTER(Plan), c_int64, c_int64, POINTER(c_int64)], c_int),
        "fr_rnn_forward_training": ([c_void_p, POINTER(Plan), ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, c_void_p,
                                     c_void_p], c_int),
        "fr_rnn_backward": ([c_void_p, POINTER(Plan), POINTER(BackwardOptions), ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, ptr_t,
                             ptr_t, ptr_t, ptr_t, ptr_t, ptr_t, c_void_p, c_void_p], c_int),
        "fr_rnn_packed_recurrent_size": ([POINTER(Plan), POINTER(c_int64)], c_int),
        "fr_rnn_pack_recurrent": ([c_void_p, POINTER(Plan), ptr_t, ptr_t, c_void_p], c_int),
        "fr_linear": ([c_void_p, ptr_t, ptr_t, ptr_t, c_int, POINTER(c_int), c_void_p], c_int),
    }
    for name, (args, result) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = args
        function.restype = result
    return lib


def check(lib, status):
    if status != 0:
        # the message echoes the caller's paths, which need not be UTF-8
        raise FastRecurrenceError(status, lib.fr_status_name(status).decode(), lib.fr_last_error().decode(errors="replace"))


def plan_from_json(plan_json):
    """An fr_plan from a scan KernelPlan's JSON (the CLI's `plan --json`). Returns (Plan, keep-alive list)."""
    return plan_from_abi_json({
        "source_name": "scan", "defines": plan_json["constants"], "grid": plan_json["grid"],
        "block": plan_json["block"], "cluster": plan_json["cluster"],
        "shared_bytes": 0,  # the scan kernels use static shared memory only
        "kind": "cluster" if plan_json["cluster"][0] > 1 else "plain",
    })


def plan_from_abi_json(abi):
    """An fr_plan from the CLI's `plan --abi-json` (the fr_plan itself as JSON). Returns (Plan, keep-alive list)."""
    plan = Plan()
    plan.struct_size = ctypes.sizeof(Plan)
    keep = [abi["source_name"].encode()]
    plan.source_name = keep[0]
    for i, (name, value) in enumerate(sorted(abi["defines"].items())):
        encoded = name.encode()
        keep.append(encoded)
        plan.defines[i] = Define(encoded, value)
    plan.define_count = len(abi["defines"])
    plan.grid = Dim3(*abi["grid"])
    plan.block = Dim3(*abi["block"])
    plan.cluster = Dim3(*abi["cluster"])
    plan.shared_bytes = abi["shared_bytes"]
    plan.kind = LAUNCH_KINDS[abi["kind"]]
    return plan, keep


def tensor(t, host=False):
    """An fr_tensor viewing a torch tensor (device memory, strides in elements). A CPU tensor is refused (a host pointer
    in a GPU kernel is an illegal address, not an error) unless host=True: an emulated context's device memory is host
    memory."""
    device = getattr(t, "device", None)
    if not host and device is not None and device.type != "cuda":
        raise ValueError(f"tensor on {device}: a GPU context reads device memory (a cuda tensor; host=True for an "
                         "emulated context)")
    name = str(t.dtype).split(".")[-1]
    if name not in DTYPES:
        raise ValueError(f"tensor dtype {t.dtype} is not one of {sorted(DTYPES)}")
    view = Tensor()
    view.data = t.data_ptr()
    view.dtype = DTYPES[name]
    view.rank = t.dim()
    for i in range(t.dim()):
        view.shape[i] = t.shape[i]
        view.strides[i] = t.stride(i)
    return view


def contiguous(pointer, dtype, shape):
    """An fr_tensor viewing `pointer` (device memory, e.g. from fr_malloc) as a contiguous tensor of `shape`."""
    view = Tensor()
    view.data = pointer
    view.dtype = DTYPES[dtype]
    view.rank = len(shape)
    stride = 1
    for i in reversed(range(len(shape))):
        view.shape[i] = shape[i]
        view.strides[i] = stride
        stride *= shape[i]
    return view
