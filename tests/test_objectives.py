import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from sganctl import objectives as obj
from sganctl.api import DiscriminatorOutput


def out(logits, real_fake=None):
    return DiscriminatorOutput(logits=logits, features=logits * 2, real_fake=real_fake)


def test_logsumexp_equals_k_plus_1_softmax_with_zero_fake_logit():
    torch.manual_seed(0)
    real, fake = torch.randn(16, 10) * 3, torch.randn(16, 10) * 3
    loss = obj.discriminator_unsupervised_loss(out(real), out(fake), "logsumexp")
    zeros = torch.zeros(16, 1)
    # K+1 softmax: real images should not be class K (fake); generated ones should.
    p_fake_real = F.softmax(torch.cat([real, zeros], 1), 1)[:, -1]
    p_fake_fake = F.softmax(torch.cat([fake, zeros], 1), 1)[:, -1]
    expected = -torch.log1p(-p_fake_real).mean() - torch.log(p_fake_fake).mean()
    torch.testing.assert_close(loss, expected)


def test_logsumexp_is_stable_for_large_logits():
    big = torch.full((4, 10), 500.0)
    loss = obj.discriminator_unsupervised_loss(out(big), out(-big), "logsumexp")
    assert torch.isfinite(loss) and loss < 1e-3


def test_two_head_is_binary_cross_entropy():
    rf_real, rf_fake = torch.randn(8), torch.randn(8)
    logits = torch.randn(8, 10)
    loss = obj.discriminator_unsupervised_loss(out(logits, rf_real), out(logits, rf_fake), "two-head")
    expected = F.binary_cross_entropy_with_logits(rf_real, torch.ones(8)) + F.binary_cross_entropy_with_logits(
        rf_fake, torch.zeros(8)
    )
    torch.testing.assert_close(loss, expected)


def test_generator_losses():
    fake = out(torch.randn(8, 10))
    real_features = torch.randn(8, 10)
    ns = obj.generator_loss(fake, real_features, "logsumexp", "non-saturating")
    d_real = torch.sigmoid(torch.logsumexp(fake.logits, 1))  # D = Z / (Z + 1)
    torch.testing.assert_close(ns, -torch.log(d_real).mean())
    fm = obj.generator_loss(fake, real_features, "logsumexp", "feature-matching")
    torch.testing.assert_close(fm, (real_features.mean(0) - fake.features.mean(0)).pow(2).mean())
    both = obj.generator_loss(fake, real_features, "logsumexp", "non-saturating+feature-matching")
    torch.testing.assert_close(both, ns + fm)


def test_feature_matching_does_not_train_through_real_features():
    real = torch.randn(4, 3, requires_grad=True)
    fake = torch.randn(4, 3, requires_grad=True)
    obj.feature_matching_loss(real, fake).backward()
    assert real.grad is None and fake.grad is not None


def test_consistency_is_the_squared_distance_of_class_probabilities_and_spares_the_teacher():
    student_logits = torch.randn(6, 10, requires_grad=True)
    teacher_logits = torch.randn(6, 10, requires_grad=True)
    loss = obj.consistency_loss(out(student_logits), out(teacher_logits))
    expected = (F.softmax(student_logits, 1) - F.softmax(teacher_logits, 1)).pow(2).sum(1).mean()
    torch.testing.assert_close(loss, expected)
    loss.backward()
    assert teacher_logits.grad is None and student_logits.grad.abs().sum() > 0
    same = torch.randn(6, 10)
    assert obj.consistency_loss(out(same), out(same + 7.0)) < 1e-12, "softmax ignores a shift of every logit"


def test_consistency_weight_rises_along_the_sigmoid_ramp_then_stays_at_the_full_weight():
    assert [obj.consistency_weight(10.0, i, 100, 0.0) for i in (1, 50, 100)] == [10.0] * 3, "no ramp: full weight"
    ramp = [obj.consistency_weight(10.0, i, 100, 0.4) for i in range(1, 101)]
    assert ramp[0] == pytest.approx(10.0 * math.exp(-5 * (1 - 1 / 40) ** 2))  # about e^-5 of it at the start
    assert ramp[19] == pytest.approx(10.0 * math.exp(-5 * 0.25))  # halfway up the ramp
    assert all(a < b for a, b in itertools.pairwise(ramp[:40])), "rising over the first 40% of the run"
    assert ramp[39:] == [10.0] * 61
