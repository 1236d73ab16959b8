"""The SGAN losses.

The discriminator's class logits l (K of them) define D(x) = Z / (Z + 1) with
Z = sum_k exp(l_k), the probability of "real". This is exactly a K+1-way
softmax whose fake logit is fixed at 0, written with logsumexp so that it is
stable: log D(x) = lse(l) - softplus(lse(l)) and log(1 - D(x)) = -softplus(lse(l)).
Two-head discriminators use their separate real/fake logit instead.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .api import DiscriminatorOutput


def real_logit(out: DiscriminatorOutput, objective: str) -> torch.Tensor:
    """The logit of 'real' (log D/(1-D)) under the given unsupervised objective."""
    if objective == "logsumexp":
        return torch.logsumexp(out.logits, dim=1)
    if objective == "two-head":
        return out.real_fake.reshape(-1)
    raise ValueError(f"unknown unsupervised objective {objective!r}")


def supervised_loss(out: DiscriminatorOutput, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the class logits on a labelled batch."""
    return F.cross_entropy(out.logits, labels)


def discriminator_unsupervised_loss(
    real: DiscriminatorOutput, fake: DiscriminatorOutput, objective: str
) -> torch.Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))]: real unlabelled images as real, generated as fake."""
    real_term = F.softplus(-real_logit(real, objective)).mean()
    fake_term = F.softplus(real_logit(fake, objective)).mean()
    return real_term + fake_term


def feature_matching_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """Squared distance between mean discriminator features of real and generated batches."""
    return (real_features.detach().mean(dim=0) - fake_features.mean(dim=0)).pow(2).mean()


def generator_loss(
    fake: DiscriminatorOutput, real_features: torch.Tensor, objective: str, kind: str
) -> torch.Tensor:
    """The generator's loss: non-saturating -log D(G(z)), feature matching, or their sum."""
    loss = fake.logits.new_zeros(())
    if "non-saturating" in kind:
        loss = loss + F.softplus(-real_logit(fake, objective)).mean()
    if "feature-matching" in kind:
        loss = loss + feature_matching_loss(real_features, fake.features)
    return loss


def consistency_weight(weight: float, iteration: int, iterations: int, rampup: float) -> float:
    """The mean-teacher weight at this iteration (1-based): exp(-5 (1 - t)^2) of it during the first ``rampup``."""
    length = rampup * iterations
    if iteration >= length:
        return weight
    return weight * math.exp(-5.0 * (1.0 - iteration / length) ** 2)


def consistency_loss(student: DiscriminatorOutput, teacher: DiscriminatorOutput) -> torch.Tensor:
    """Squared distance between the class probabilities of a student and its (fixed) teacher, per image."""
    target = F.softmax(teacher.logits.detach().float(), dim=1)
    return (F.softmax(student.logits.float(), dim=1) - target).pow(2).sum(dim=1).mean()
