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


def resolve_device(choice: str = "auto") -> torch.device:
    """``auto`` is the first CUDA device when there is one, else the CPU."""
    choice = (choice or "auto").strip().lower()
    if choice == "auto":
        return torch.device("cuda", 0) if torch.cuda.is_available() else torch.device("cpu")
    if choice == "cpu":
        return torch.device("cpu")
    match = _CUDA.match(choice)
    if not match:
        raise SganctlError(
            f"unknown device '{choice}'; use auto, cpu, cuda or cuda:N "
            f"(available here: {', '.join(available_devices())})"
        )
    index = int(match.group(1) or 0)
    if not torch.cuda.is_available():
        raise SganctlError(
            f"device '{choice}' requested but CUDA is not available "
            f"(available here: {', '.join(available_devices())}); use --device cpu or auto"
        )
    count = torch.cuda.device_count()
    if index >= count:
        raise SganctlError(
            f"device '{choice}' does not exist: this machine has {count} CUDA device(s) "
            f"(available here: {', '.join(available_devices())})"
        )
    return torch.device("cuda", index)
