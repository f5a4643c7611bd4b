"""What the GPU check scripts (scan_check.py, rnn_check.py) share: the catalog name of the lent card, and the relative
L2 error against a float64 torch reference (infinite for NaN or an unwritten, poisoned element)."""
import torch


def catalog_name():
    """The planner catalog's name for cuda:0 (H100 SXM and PCIe told apart by their SM count)."""
    name = torch.cuda.get_device_name(0)
    if "H200" in name:
        return "H200"
    if "H100" in name:
        return "H100-SXM" if torch.cuda.get_device_properties(0).multi_processor_count >= 132 else "H100-PCIe"
    return "H100-SXM"


def rel_l2(x, ref):
    x = x.double()
    if not torch.isfinite(x).all():
        return float("inf")
    return ((x - ref).norm() / ref.norm().clamp_min(1e-300)).item()
