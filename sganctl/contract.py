"""Check that an architecture's networks keep the plugin contract, before they waste a run.

``sganctl archs check`` runs the full set on the CPU (build, forward, backward,
shapes, range, finiteness, gradients); training runs the cheap shape checks
once on its own device before the first step.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import torch
from torch import nn

from . import objectives as obj
from .api import ANY_SIZE, Architecture, DiscriminatorOutput, ImageSpec
from .errors import PluginError

PROBE_CLASSES = 10
PROBE_BATCH = 4
ANY_SIZE_PROBE = (28, 28)


@dataclass
class Check:
    name: str
    image: str  # the image spec the networks were built for, CxHxW
    passed: bool
    detail: str

    def to_dict(self) -> dict:
        return {"check": self.name, "image": self.image, "passed": self.passed, "detail": self.detail}


def as_output(value) -> DiscriminatorOutput | None:
    """A discriminator's return value as a DiscriminatorOutput, or None if it is not one."""
    if isinstance(value, DiscriminatorOutput):
        return value
    if isinstance(value, (tuple, list)) and len(value) in (2, 3):
        return DiscriminatorOutput(*value)
    return None


def generator_problems(images, batch: int, spec: ImageSpec) -> list[str]:
    if not isinstance(images, torch.Tensor):
        return [f"generator returned a {type(images).__name__}, not a tensor"]
    expected = (batch, *spec.shape)
    if tuple(images.shape) != expected:
        return [f"generator output has shape {tuple(images.shape)}, expected {expected}"]
    return []


def discriminator_problems(value, batch: int, num_classes: int, two_head: bool) -> list[str]:
    out = as_output(value)
    if out is None:
        return [f"discriminator returned a {type(value).__name__}, not a DiscriminatorOutput"]
    problems = []
    if not isinstance(out.logits, torch.Tensor) or tuple(out.logits.shape) != (batch, num_classes):
        problems.append(f"logits have shape {_shape(out.logits)}, expected ({batch}, {num_classes})")
    if not isinstance(out.features, torch.Tensor) or out.features.dim() != 2 or out.features.shape[0] != batch:
        problems.append(f"features have shape {_shape(out.features)}, expected ({batch}, F)")
    if two_head and (
        not isinstance(out.real_fake, torch.Tensor) or tuple(out.real_fake.reshape(-1).shape) != (batch,)
    ):
        problems.append(f"real/fake logit has shape {_shape(out.real_fake)}, expected ({batch},)")
    return problems


def _shape(value):
    return tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__


def probe_spec(arch: Architecture, channels: int) -> ImageSpec:
    height, width = ANY_SIZE_PROBE if arch.image_size == ANY_SIZE else arch.image_size
    return ImageSpec(channels=arch.channels or channels, height=height, width=width)


@torch.no_grad()
def verify_shapes(
    origin: str, generator: nn.Module, discriminator: nn.Module, z_dim: int, num_classes: int,
    spec: ImageSpec, two_head: bool, device: torch.device,
) -> None:
    """Raise PluginError naming ``origin`` if the networks' outputs break the contract."""
    was = generator.training, discriminator.training
    generator.eval()
    discriminator.eval()
    try:
        images = generator(torch.zeros(2, z_dim, device=device))
        problems = generator_problems(images, 2, spec)
        if not problems:
            value = discriminator(images)
            problems = discriminator_problems(value, 2, num_classes, two_head)
        if not problems:
            outputs = [images, *(v for v in as_output(value) if v is not None)]
            if not all(torch.isfinite(v).all() for v in outputs):
                problems = ["the networks return non-finite values"]
    except Exception as exc:  # noqa: BLE001 - the plugin's forward, not ours
        problems = [f"forward pass raised {type(exc).__name__}: {exc}"]
    finally:
        generator.train(was[0])
        discriminator.train(was[1])
    if problems:
        raise PluginError(f"{origin}: {'; '.join(problems)}; run 'sganctl archs check' for details")


def run_checks(arch: Architecture, build_generator, build_discriminator, channels: int = 1) -> list[Check]:
    """Build, run forward and backward on a small CPU batch, and check every part of the contract."""
    checks: list[Check] = []
    recipe = arch.recipe
    spec = probe_spec(arch, channels)
    two_head = recipe.unsupervised == "two-head"
    image = f"{spec.channels}x{spec.height}x{spec.width}"

    def record(name: str, problems: list[str], ok_detail: str) -> bool:
        checks.append(Check(name, image, not problems, "; ".join(problems) or ok_detail))
        return not problems

    torch.manual_seed(0)
    try:
        generator = build_generator(recipe.z_dim, spec)
        discriminator = build_discriminator(PROBE_CLASSES, spec)
    except PluginError as exc:
        record("build networks", [str(exc)], "")
        return checks
    record("build networks", [], f"G {_count(generator):,} parameters, D {_count(discriminator):,} parameters")

    try:
        fake = generator(torch.randn(PROBE_BATCH, recipe.z_dim))
    except Exception as exc:  # noqa: BLE001
        record("generator forward", [f"raised {type(exc).__name__}: {exc}"], "")
        return checks
    if not record("generator output shape", generator_problems(fake, PROBE_BATCH, spec),
                  f"{tuple(fake.shape)}"):
        return checks
    finite = bool(torch.isfinite(fake).all())
    low, high = float(fake.detach().min()), float(fake.detach().max())
    in_range = finite and low >= -1 - 1e-4 and high <= 1 + 1e-4
    record("generator output in [-1, 1]", [] if in_range else [f"values span [{low:.3g}, {high:.3g}]"],
           f"[{low:.3f}, {high:.3f}]")

    real = torch.rand(PROBE_BATCH, *spec.shape) * 2 - 1
    labels = torch.arange(PROBE_BATCH) % PROBE_CLASSES
    try:
        out_real, out_fake = discriminator(real), discriminator(fake)
    except Exception as exc:  # noqa: BLE001
        record("discriminator forward", [f"raised {type(exc).__name__}: {exc}"], "")
        return checks
    problems = discriminator_problems(out_real, PROBE_BATCH, PROBE_CLASSES, two_head)
    out_real, out_fake = as_output(out_real), as_output(out_fake)
    detail = "" if problems else (
        f"logits {tuple(out_real.logits.shape)}, features {tuple(out_real.features.shape)}"
        + (f", real/fake {tuple(out_real.real_fake.shape)}" if two_head else "")
    )
    if not record("discriminator outputs" + (" (two-head)" if two_head else ""), problems, detail):
        return checks
    values = [out_real.logits, out_real.features] + ([out_real.real_fake] if two_head else [])
    record("discriminator outputs finite", [] if all(torch.isfinite(v).all() for v in values)
           else ["non-finite values"], "all finite")

    try:
        d_loss = obj.supervised_loss(out_real, labels) + obj.discriminator_unsupervised_loss(
            out_real, out_fake, recipe.unsupervised
        )
        g_loss = obj.generator_loss(out_fake, out_real.features, recipe.unsupervised, recipe.generator_loss)
        (d_loss + g_loss).backward()
    except Exception as exc:  # noqa: BLE001
        record("backward pass", [f"raised {type(exc).__name__}: {exc}"], "")
        return checks
    d_value, g_value = d_loss.item(), g_loss.item()
    losses_ok = math.isfinite(d_value) and math.isfinite(g_value)
    record("losses finite", [] if losses_ok else ["non-finite loss"], f"D {d_value:.3f}, G {g_value:.3f}")
    for label, module in (("generator", generator), ("discriminator", discriminator)):
        missing = [n for n, p in module.named_parameters() if p.requires_grad and p.grad is None]
        bad = [n for n, p in module.named_parameters() if p.grad is not None and not torch.isfinite(p.grad).all()]
        problems = ([f"no gradient reaches {', '.join(missing[:3])}"] if missing else []) + (
            [f"non-finite gradients in {', '.join(bad[:3])}"] if bad else []
        )
        record(f"{label} gradients", problems, "every parameter gets a finite gradient")
    return checks


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def parameter_counts(generator: nn.Module, discriminator: nn.Module) -> dict:
    return {"generator": _count(generator), "discriminator": _count(discriminator)}


def layers_digest(module: nn.Module) -> str:
    """A short digest of the module's printed structure, which names every layer and its settings.

    Weight counts cannot see a change without weights (a random shift's pixels, a dropout rate); this can.
    """
    return hashlib.sha256(repr(module).encode()).hexdigest()[:12]


def layer_digests(generator: nn.Module, discriminator: nn.Module) -> dict:
    return {"generator": layers_digest(generator), "discriminator": layers_digest(discriminator)}
