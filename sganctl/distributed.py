"""Running under torchrun: which process this is, and the few collectives the loop needs.

torchrun (or any launcher that sets RANK, WORLD_SIZE and LOCAL_RANK the same
way, e.g. multi-node torchrun with --rdzv-endpoint) starts one process per
device; sganctl then joins PyTorch's process group itself: NCCL for CUDA,
Gloo for the CPU. Without those variables everything here is a no-op and the
run is the ordinary single-process one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from .devices import resolve_device
from .errors import SganctlError


@dataclass(frozen=True)
class Processes:
    """This process's place among the training processes."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0 alone logs, samples and writes; the others only train."""
        return self.rank == 0


def from_environment(environ=os.environ) -> Processes:
    """The ranks torchrun exported, or a single process when there are none."""
    try:
        world_size = int(environ.get("WORLD_SIZE", "1"))
        rank = int(environ.get("RANK", "0"))
        local_rank = int(environ.get("LOCAL_RANK", "0"))
    except ValueError as exc:
        raise SganctlError(f"RANK, WORLD_SIZE or LOCAL_RANK is not an integer ({exc}); launch with torchrun") from None
    if world_size < 1 or not 0 <= rank < world_size or local_rank < 0:
        raise SganctlError(f"inconsistent torchrun variables RANK={rank} WORLD_SIZE={world_size}; launch with torchrun")
    return Processes(rank=rank, world_size=world_size, local_rank=local_rank)


def process_device(choice: str, processes: Processes) -> torch.device:
    """The device this process trains on: under torchrun, cuda means cuda:LOCAL_RANK."""
    return resolve_device(choice, processes.local_rank if processes.distributed else None)


def join(processes: Processes, device: torch.device) -> bool:
    """Join the process group (NCCL on CUDA, Gloo on the CPU); True if this call created it."""
    if not processes.distributed or dist.is_initialized():
        return False
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_available() or (backend == "nccl" and not dist.is_nccl_available()):
        raise SganctlError(f"this PyTorch build has no {backend} backend for distributed training; "
                           "run a single process or install a PyTorch build with it")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend=backend)
    return True


def leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def split_batch(size: int, processes: Processes, flag: str) -> int:
    """Each process's share of a global batch; the global batch must split evenly."""
    if size % processes.world_size:
        raise SganctlError(
            f"{flag} {size} is the global batch and does not split evenly over {processes.world_size} processes; "
            f"pass a multiple of {processes.world_size}"
        )
    return size // processes.world_size


def largest(value: int, processes: Processes, device: torch.device) -> int:
    """The largest of one integer over the processes (a stop signal reaching one rank stops all)."""
    if not processes.distributed:
        return value
    tensor = torch.tensor([value], device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return int(tensor.item())


def mean(tensor: torch.Tensor, processes: Processes) -> torch.Tensor:
    """The average of a tensor over the processes (in place)."""
    if processes.distributed:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        tensor /= processes.world_size
    return tensor


def minimum(tensor: torch.Tensor, processes: Processes) -> torch.Tensor:
    if processes.distributed:
        dist.all_reduce(tensor, op=dist.ReduceOp.MIN)
    return tensor


def barrier(processes: Processes) -> None:
    if processes.distributed:
        dist.barrier()
