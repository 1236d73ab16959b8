"""The environment report behind `sganctl info`: what a bug report needs."""

from __future__ import annotations

import os
import platform
import sys

import torch

from . import __version__
from .api import DATASET_ENTRY_POINT_GROUP
from .data.locate import DATA_DIR_ENV, cache_root
from .plugins import discover


def system_report(data_dir: str | None = None) -> dict:
    # cores and torch's threads: what a report about CPU speed needs first (OMP_NUM_THREADS changes the latter)
    devices = [{"name": platform.processor() or platform.machine(), "type": "cpu", "cores": os.cpu_count(),
                "threads": torch.get_num_threads()}]
    cuda = torch.version.cuda if torch.cuda.is_available() else _why_no_cuda(torch.version.cuda)
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            devices.append({"name": props.name, "type": f"cuda:{index}", "memory_gb": props.total_memory / 2**30})
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    return {
        "sganctl": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "torch": torch.__version__,
        "cuda": cuda,
        "cudnn": cudnn,
        "devices": devices,
        "architectures": _plugins(discover()),
        "datasets": _plugins(discover(DATASET_ENTRY_POINT_GROUP, "dataset")),
        "data_dir": data_dir or os.environ.get(DATA_DIR_ENV) or "not set",
        "cache": str(cache_root()),
    }


def _why_no_cuda(built_for: str | None) -> str:
    """A CPU-only torch build and a CUDA build without a usable GPU or driver call for different fixes."""
    if built_for is None:
        return "not available (this torch is a CPU-only build)"
    return f"not available (torch built for CUDA {built_for}, but no GPU or driver answers)"


def _plugins(entries: dict) -> list:
    return [{"name": e.name, "package": e.package, "version": e.version} for e in entries.values()]
