"""Turn the user's --device choice into a torch.device, or explain what is available."""

from __future__ import annotations

import re

import torch

from .errors import SganctlError

_CUDA = re.compile(r"^cuda(?::(\d+))?$")


def available_devices() -> list:
    """Names of the devices this machine offers, for error messages and reports."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return names


def resolve_device(choice: str = "auto", local_rank: int | None = None) -> torch.device:
    """``auto`` is the first CUDA device when there is one, else the CPU.

    Under torchrun (``local_rank`` given) ``auto`` and ``cuda`` mean
    ``cuda:LOCAL_RANK``, one device per process, and ``cuda:N`` is refused
    because every process would pick the same device.
    """
    choice = (choice or "auto").strip().lower()
    if choice == "auto":
        if not torch.cuda.is_available():
            return torch.device("cpu")
        choice = "cuda"
    if choice == "cpu":
        return torch.device("cpu")
    match = _CUDA.match(choice)
    if not match:
        raise SganctlError(
            f"unknown device '{choice}'; use auto, cpu, cuda or cuda:N "
            f"(available here: {', '.join(available_devices())})"
        )
    if local_rank is not None and match.group(1) is not None:
        raise SganctlError(
            f"device '{choice}' under torchrun: each process takes cuda:LOCAL_RANK; pass --device cuda "
            "(choose the GPUs with CUDA_VISIBLE_DEVICES)"
        )
    index = int(match.group(1) or 0) if local_rank is None else local_rank
    if not torch.cuda.is_available():
        raise SganctlError(
            f"device '{choice}' requested but CUDA is not available "
            f"(available here: {', '.join(available_devices())}); use --device cpu or auto"
        )
    count = torch.cuda.device_count()
    if index >= count and local_rank is not None:
        raise SganctlError(
            f"torchrun started a process with LOCAL_RANK {local_rank} but this machine has {count} CUDA "
            f"device(s); use --nproc-per-node {count} or fewer"
        )
    if index >= count:
        raise SganctlError(
            f"device '{choice}' does not exist: this machine has {count} CUDA device(s) "
            f"(available here: {', '.join(available_devices())})"
        )
    return torch.device("cuda", index)
