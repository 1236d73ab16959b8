import pytest
import torch

from sganctl.devices import resolve_device
from sganctl.distributed import from_environment, process_device, split_batch
from sganctl.errors import SganctlError
from sganctl.report import system_report


def test_cpu_and_auto_without_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto") == torch.device("cpu")


def test_cuda_missing_lists_what_is_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SganctlError, match=r"CUDA is not available \(available here: cpu\)"):
        resolve_device("cuda")


def test_cuda_index_resolution_and_bounds(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("auto") == torch.device("cuda", 0)
    assert resolve_device("cuda") == torch.device("cuda", 0)
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(SganctlError, match=r"has 2 CUDA device\(s\) \(available here: cpu, cuda:0, cuda:1\)"):
        resolve_device("cuda:2")


def test_unknown_device_name():
    with pytest.raises(SganctlError, match="unknown device 'tpu'"):
        resolve_device("tpu")


TORCHRUN_RANK_1_OF_2 = {"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"}


def test_torchrun_variables_give_this_process_its_rank():
    processes = from_environment(TORCHRUN_RANK_1_OF_2)
    assert (processes.rank, processes.world_size, processes.local_rank) == (1, 2, 1)
    assert processes.distributed and not processes.is_main
    single = from_environment({})
    assert (single.rank, single.world_size, single.distributed, single.is_main) == (0, 1, False, True)


@pytest.mark.parametrize("env", [{"RANK": "x", "WORLD_SIZE": "2"}, {"RANK": "2", "WORLD_SIZE": "2"},
                                 {"RANK": "0", "WORLD_SIZE": "0"}])
def test_inconsistent_torchrun_variables_are_refused(env):
    with pytest.raises(SganctlError, match="launch with torchrun"):
        from_environment(env)


def test_under_torchrun_cuda_means_cuda_local_rank(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    processes = from_environment(TORCHRUN_RANK_1_OF_2)
    assert process_device("cuda", processes) == torch.device("cuda", 1)
    assert process_device("auto", processes) == torch.device("cuda", 1)
    assert process_device("cpu", processes) == torch.device("cpu")
    with pytest.raises(SganctlError, match="each process takes cuda:LOCAL_RANK; pass --device cuda"):
        process_device("cuda:0", processes)
    # a single process under torchrun (or none) keeps the plain meaning
    assert process_device("cuda:1", from_environment({"RANK": "0", "WORLD_SIZE": "1"})) == torch.device("cuda", 1)


def test_under_torchrun_more_processes_than_gpus_is_explained(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    processes = from_environment({"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "3"})
    with pytest.raises(SganctlError, match="LOCAL_RANK 3 but this machine has 2 CUDA device.*--nproc-per-node 2"):
        process_device("cuda", processes)


def test_under_torchrun_without_cuda_auto_is_the_cpu_and_cuda_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    processes = from_environment(TORCHRUN_RANK_1_OF_2)
    assert process_device("auto", processes) == torch.device("cpu")
    with pytest.raises(SganctlError, match="CUDA is not available"):
        process_device("cuda", processes)


def test_global_batch_splits_evenly_over_processes():
    processes = from_environment(TORCHRUN_RANK_1_OF_2)
    assert split_batch(64, processes, "--batch-size") == 32
    assert split_batch(7, from_environment({}), "--batch-size") == 7
    with pytest.raises(SganctlError, match="--batch-size 7 is the global batch .* pass a multiple of 2"):
        split_batch(7, processes, "--batch-size")


@pytest.mark.parametrize("built_for, says", [(None, "a CPU-only build"), ("12.4", "built for CUDA 12.4")])
def test_info_says_why_cuda_is_missing_in_words(monkeypatch, built_for, says):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", built_for)
    cuda = system_report()["cuda"]
    assert cuda.startswith("not available (") and says in cuda and "None" not in cuda
