#!/usr/bin/env python3
"""Print, as JSON, every DeviceAttribute the hardware model reads, as the CUDA driver reports it for device 0.

Reads the CUdevice_attribute numbers from src/FastRecurrence/Planning/Hardware/DeviceAttribute.cs (so the list
stays the enum's) and asks the driver API directly through ctypes (libcuda.so.1: cuInit, cuDeviceGet,
cuDeviceGetAttribute, cuDeviceGetName), not the runtime's cudaDeviceAttr numbering. Adds the driver version,
total memory and nvidia-smi's name and memory.

Usage: python3 tools/device/query_attributes.py [path/to/DeviceAttribute.cs]
"""
import ctypes
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ENUM = os.path.join(HERE, "..", "..", "src", "FastRecurrence", "Planning", "Hardware", "DeviceAttribute.cs")

# The enum as of 2026-11-28, used only when DeviceAttribute.cs cannot be read.
FALLBACK = {
    "MaxThreadsPerBlock": 1, "WarpSize": 10, "MaxRegistersPerBlock": 12, "MultiprocessorCount": 16,
    "MemoryClockRate": 36, "GlobalMemoryBusWidth": 37, "L2CacheSize": 38, "MaxThreadsPerMultiprocessor": 39,
    "ComputeCapabilityMajor": 75, "ComputeCapabilityMinor": 76, "MaxSharedMemoryPerMultiprocessor": 81,
    "MaxRegistersPerMultiprocessor": 82, "MaxSharedMemoryPerBlockOptin": 97, "MaxBlocksPerMultiprocessor": 106,
    "ReservedSharedMemoryPerBlock": 111, "ClusterLaunch": 120,
}


def enum_attributes(path):
    """(name, number) pairs of the C# enum DeviceAttribute, in declaration order."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return list(FALLBACK.items()), "fallback"
    body = re.search(r"enum\s+DeviceAttribute\s*\{(.*?)\}", text, re.S)
    if not body:
        return list(FALLBACK.items()), "fallback"
    pairs = [(m.group(1), int(m.group(2))) for m in re.finditer(r"^\s*(\w+)\s*=\s*(\d+)\s*,", body.group(1), re.M)]
    return pairs, os.path.relpath(path)


def check(result, what):
    if result != 0:
        raise RuntimeError(f"{what} failed with CUresult {result}")


def nvidia_smi():
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version,pci.bus_id", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or out.stderr.strip()
    except (OSError, subprocess.SubprocessError) as e:
        return f"error: {e}"


def main():
    pairs, source = enum_attributes(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_ENUM)
    report = {"enum_source": source, "nvidia_smi": nvidia_smi()}
    cuda = ctypes.CDLL("libcuda.so.1")
    check(cuda.cuInit(0), "cuInit")
    version = ctypes.c_int()
    check(cuda.cuDriverGetVersion(ctypes.byref(version)), "cuDriverGetVersion")
    report["driver_api_version"] = version.value
    dev = ctypes.c_int()
    check(cuda.cuDeviceGet(ctypes.byref(dev), 0), "cuDeviceGet")
    name = ctypes.create_string_buffer(256)
    check(cuda.cuDeviceGetName(name, 256, dev), "cuDeviceGetName")
    report["device_name"] = name.value.decode()
    total = ctypes.c_size_t()
    if cuda.cuDeviceTotalMem_v2(ctypes.byref(total), dev) == 0:
        report["total_memory_bytes"] = total.value
    attributes = []
    for attr_name, number in pairs:
        value = ctypes.c_int()
        result = cuda.cuDeviceGetAttribute(ctypes.byref(value), number, dev)
        entry = {"name": attr_name, "number": number}
        if result == 0:
            entry["value"] = value.value
        else:
            entry["error"] = f"CUresult {result}"
        attributes.append(entry)
    report["attributes"] = attributes
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
