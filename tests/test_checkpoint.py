import json
import re

import pytest
import safetensors.torch
import torch

import sganctl
from sganctl import checkpoint
from sganctl.errors import SganctlError
from sganctl.plugins import Registry

META = {
    "arch": "compact",
    "plugin": {"name": "compact", "package": "sganctl", "version": "0", "api_version": 1},
    "dataset": "mnist",
    "class_names": [str(i) for i in range(10)],
    "image_spec": {"channels": 1, "height": 28, "width": 28},
    "config": {"z_dim": 100},
    "iteration": 7,
}


@pytest.fixture
def saved(tmp_path):
    registry = Registry()
    arch = registry.get("compact")
    ckpt = checkpoint.Checkpoint(tmp_path, META, {})
    generator = arch.build_generator(100, ckpt.image_spec)
    discriminator = arch.build_discriminator(10, ckpt.image_spec)
    path = tmp_path / "checkpoint.safetensors"
    checkpoint.save(path, {"generator": generator, "discriminator": discriminator}, META)
    return path, generator, discriminator, registry


def test_round_trip_restores_both_networks(saved):
    path, generator, discriminator, registry = saved
    loaded = checkpoint.load(path)
    assert loaded.meta["iteration"] == 7 and loaded.meta["format"] == "sganctl.checkpoint"
    for which, original in (("generator", generator), ("discriminator", discriminator)):
        rebuilt = checkpoint.rebuild(loaded, which, registry)
        for key, value in original.state_dict().items():
            assert torch.equal(rebuilt.state_dict()[key], value), key
    assert not list(path.parent.glob(".*tmp*")), "temporary files left behind"


def test_truncated_file_is_refused(saved):
    path = saved[0]
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(SganctlError, match="truncated or corrupt"):
        checkpoint.load(path)


def test_foreign_safetensors_is_refused(tmp_path):
    path = tmp_path / "other.safetensors"
    safetensors.torch.save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(SganctlError, match="not an sganctl checkpoint"):
        checkpoint.load(path)


def test_weights_of_another_architecture_do_not_fit(saved, tmp_path):
    path, _, _, registry = saved
    loaded = checkpoint.load(path)
    loaded.meta = {**loaded.meta, "arch": "mlp"}
    with pytest.raises(SganctlError, match="do not fit architecture 'mlp'") as refused:
        checkpoint.rebuild(loaded, "discriminator", registry)
    assert str(refused.value).endswith("load it where that version is installed, or train the run again")
    assert "missing: " in str(refused.value) and "unexpected: " in str(refused.value)  # names what differs
    assert "\n" not in str(refused.value)


def test_weights_from_the_installed_version_that_do_not_fit_ask_for_a_new_run(saved):
    """No other version would load them (the networks changed under one version number), so the fix is training."""
    path, _, _, registry = saved
    loaded = checkpoint.load(path)
    loaded.meta = {**loaded.meta, "arch": "mlp", "plugin": {**loaded.meta["plugin"], "version": sganctl.__version__}}
    with pytest.raises(SganctlError, match=re.escape(f"made with sganctl {sganctl.__version__}, the version installed;")) as refused:
        checkpoint.rebuild(loaded, "discriminator", registry)
    assert str(refused.value).endswith("without a new version number (a development build): train the run again")
    assert "\n" not in str(refused.value)


def test_missing_file(tmp_path):
    with pytest.raises(SganctlError, match="no such checkpoint"):
        checkpoint.load(tmp_path / "nope.safetensors")


def test_metadata_is_plain_json(saved):
    with open(saved[0], "rb") as handle:
        header_len = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(header_len))
    meta = json.loads(header["__metadata__"]["sganctl"])
    assert meta["plugin"]["package"] == "sganctl" and meta["class_names"][3] == "3"


def test_tampered_tensor_data_are_refused(saved):
    path = saved[0]
    raw = bytearray(path.read_bytes())
    raw[-100] ^= 0xFF  # one flipped byte in the last tensor's data
    path.write_bytes(bytes(raw))
    with pytest.raises(SganctlError, match="do not match the checksum"):
        checkpoint.load(path)


def test_tampered_header_is_refused(saved):
    path = saved[0]
    raw = bytearray(path.read_bytes())
    raw[8] = ord("[")  # the header is no longer a JSON object
    path.write_bytes(bytes(raw))
    with pytest.raises(SganctlError, match="truncated or corrupt"):
        checkpoint.load(path)
