import pytest
import torch

from sganctl.devices import resolve_device
from sganctl.errors import SganctlError


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
