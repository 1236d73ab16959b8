"""Checkpoints: generator and discriminator weights in one safetensors file.

Provenance (sganctl version, plugin name, package, version and API version,
class names, image spec, normalisation) and the run's configuration travel as
JSON in the file's metadata, so a checkpoint alone is enough to rebuild its
networks through the plugin registry. Nothing is ever unpickled.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import safetensors
import safetensors.torch
import torch
from torch import nn

from .api import ImageSpec
from .errors import SganctlError
from .files import atomic_path
from .plugins import Registry, installed_version

FORMAT = "sganctl.checkpoint"
FORMAT_VERSION = 1
METADATA_KEY = "sganctl"


@dataclass
class Checkpoint:
    path: Path
    meta: dict
    tensors: dict[str, torch.Tensor]

    @property
    def image_spec(self) -> ImageSpec:
        return ImageSpec(**self.meta["image_spec"])

    @property
    def class_names(self):
        return self.meta["class_names"]

    def state(self, prefix: str) -> dict[str, torch.Tensor]:
        """The state dict of one network ('generator' or 'discriminator')."""
        cut = len(prefix) + 1
        return {k[cut:]: v for k, v in self.tensors.items() if k.startswith(prefix + ".")}


def save(path: Path, networks: dict[str, nn.Module], meta: dict, extra: dict | None = None) -> None:
    """Write the networks' weights, ``extra`` tensors and ``meta`` to ``path`` atomically.

    The file is serialised in memory and written with ordinary file I/O, so a
    full disk surfaces as the OSError it is.
    """
    tensors = {
        f"{prefix}.{key}": value.detach().to("cpu").contiguous()
        for prefix, module in networks.items()
        for key, value in module.state_dict().items()
    }
    tensors.update(extra or {})
    # The tensor bytes' layout does not depend on the metadata, so their digest can ride in it.
    digest = hashlib.sha256(_data_section(safetensors.torch.save(tensors))).hexdigest()
    info = {"format": FORMAT, "format_version": FORMAT_VERSION, "data_sha256": digest, **meta}
    data = safetensors.torch.save(tensors, metadata={METADATA_KEY: json.dumps(info)})
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _header_length(raw: bytes) -> int:
    if len(raw) < 8:
        raise ValueError("file shorter than the 8-byte header length")
    length = int.from_bytes(raw[:8], "little")
    if 8 + length > len(raw):
        raise ValueError("header runs past the end of the file")
    return length


def _data_section(raw: bytes) -> bytes:
    return raw[8 + _header_length(raw):]


def load(path: Path) -> Checkpoint:
    """Read a checkpoint, refusing anything that is not an intact sganctl safetensors file."""
    path = Path(path)
    if not path.is_file():
        raise SganctlError(f"{path}: no such checkpoint; pass a run directory or a .safetensors file")
    try:
        raw = path.read_bytes()
        header = json.loads(raw[8 : 8 + _header_length(raw)])
        tensors = safetensors.torch.load(raw)
    except (safetensors.SafetensorError, OSError, ValueError) as exc:
        raise SganctlError(
            f"{path}: not a readable safetensors file ({exc}); it is truncated or corrupt, "
            "use another checkpoint"
        ) from exc
    try:
        meta = json.loads((header.get("__metadata__") or {})[METADATA_KEY])
    except (KeyError, ValueError, AttributeError):
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise SganctlError(f"{path}: a safetensors file but not an sganctl checkpoint (no sganctl metadata)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise SganctlError(
            f"{path}: checkpoint format version {meta.get('format_version')} is not supported "
            f"by this sganctl (version {FORMAT_VERSION}); upgrade sganctl"
        )
    if "data_sha256" not in meta:
        raise SganctlError(f"{path}: no data checksum in its metadata (written by a pre-release sganctl); "
                           "train it again with this version")
    if hashlib.sha256(_data_section(raw)).hexdigest() != meta["data_sha256"]:
        raise SganctlError(
            f"{path}: the tensor data do not match the checksum recorded when it was written; "
            "the file was modified or damaged, use another checkpoint"
        )
    return Checkpoint(path=path, meta=meta, tensors=tensors)


def rebuild(ckpt: Checkpoint, which: str, registry: Registry) -> nn.Module:
    """Build 'generator' or 'discriminator' through the plugin registry and load its weights."""
    name = ckpt.meta["arch"]
    if which == "generator":
        module = registry.build_generator(name, ckpt.meta["config"]["z_dim"], ckpt.image_spec)
    else:
        module = registry.build_discriminator(name, len(ckpt.class_names), ckpt.image_spec)
    return load_weights(ckpt, which, module)


def load_weights(ckpt: Checkpoint, which: str, module: nn.Module) -> nn.Module:
    """Load one network's weights strictly; a mismatch names the plugin version that made them."""
    state = ckpt.state(which)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        plugin = ckpt.meta.get("plugin", {})
        package, version = plugin.get("package"), plugin.get("version")
        same = version is not None and installed_version(package) == version
        raise SganctlError(
            f"{ckpt.path}: its {which} weights do not fit architecture '{ckpt.meta['arch']}' as installed "
            f"(checkpoint made with {package} {version}{', the version installed' if same else ''}; "
            f"{_difference(module, state) or str(exc).strip().splitlines()[-1].strip()}); "
            + ("its networks changed without a new version number (a development build): train the run again"
               if same else "load it where that version is installed, or train the run again")
        ) from None
    return module


def _difference(module: nn.Module, state: dict) -> str:
    """Which tensors a network lacks, has extra or has in another shape, against a checkpoint's: a few names each."""
    expected = module.state_dict()
    differences = {
        "missing": [k for k in expected if k not in state],
        "unexpected": [k for k in state if k not in expected],
        "other shape": [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)],
    }
    return ", ".join(f"{kind}: {' '.join(keys[:3])}{' ...' if len(keys) > 3 else ''}"
                     for kind, keys in differences.items() if keys)
