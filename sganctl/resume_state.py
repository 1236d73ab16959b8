"""Training state beyond the weights (optimisers, random generators) as plain tensors + JSON.

Everything a resumed run needs is stored in the same safetensors file as the
weights: tensors under ``state.*`` and the few non-tensor values (optimiser
hyper-parameters) in the metadata. Nothing is pickled.
"""

from __future__ import annotations

import torch

OPTIM_PREFIX = "state.optim"
RNG_PREFIX = "state.rng"


def optimizer_tensors(name: str, optimizer: torch.optim.Optimizer) -> tuple[dict, dict]:
    """(tensors, json) describing an optimiser's state dict."""
    state = optimizer.state_dict()
    tensors, scalars = {}, {}
    for index, slots in state["state"].items():
        for key, value in slots.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{OPTIM_PREFIX}.{name}.{index}.{key}"] = value.detach().to("cpu").contiguous()
            else:
                scalars[f"{index}.{key}"] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def restore_optimizer(name: str, optimizer: torch.optim.Optimizer, tensors: dict, info: dict) -> None:
    prefix = f"{OPTIM_PREFIX}.{name}."
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith(prefix):
            index, slot = key[len(prefix):].split(".", 1)
            state.setdefault(int(index), {})[slot] = value
    for key, value in info.get("scalars", {}).items():
        index, slot = key.split(".", 1)
        state.setdefault(int(index), {})[slot] = value
    groups = info["param_groups"]
    for group in groups:  # JSON made the tuples lists
        if "betas" in group:
            group["betas"] = tuple(group["betas"])
    optimizer.load_state_dict({"state": state, "param_groups": groups})
    _match_layouts(optimizer)


def _match_layouts(optimizer: torch.optim.Optimizer) -> None:
    """Give restored moment tensors their parameter's memory layout (e.g. channels-last).

    Checkpoints store tensors contiguous; a fused optimiser walks a parameter and
    its moments in memory order, so the layouts must agree for the resumed run to
    compute what the uninterrupted one did.
    """
    for param, slots in optimizer.state.items():
        for key, value in slots.items():
            if isinstance(value, torch.Tensor) and value.shape == param.shape and value.stride() != param.stride():
                slots[key] = torch.empty_like(param, dtype=value.dtype).copy_(value)


def rng_tensors(batch_generator: torch.Generator) -> dict:
    """The global CPU and CUDA generators (dropout, initialisation) and the batch generator."""
    tensors = {f"{RNG_PREFIX}.cpu": torch.get_rng_state(), f"{RNG_PREFIX}.batch": batch_generator.get_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for i, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"{RNG_PREFIX}.cuda.{i}"] = state
    return tensors


def restore_rng(tensors: dict, batch_generator: torch.Generator, same_device: bool) -> None:
    """Restore what applies: batch-generator states only fit a generator of the same device type."""
    torch.set_rng_state(tensors[f"{RNG_PREFIX}.cpu"])
    if same_device:
        batch_generator.set_state(tensors[f"{RNG_PREFIX}.batch"])
    cuda = sorted(k for k in tensors if k.startswith(f"{RNG_PREFIX}.cuda."))
    if cuda and same_device and torch.cuda.is_available():
        states = [tensors[k] for k in cuda][: torch.cuda.device_count()]
        torch.cuda.set_rng_state_all(states)
