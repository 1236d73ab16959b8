"""The mean-teacher loss: wired into the discriminator's step with its weight, teacher = the weight average."""

import json
import math

import pytest

from sganctl import objectives
from sganctl.config import TrainConfig
from sganctl.errors import SganctlError
from sganctl.training import train


def config(tmp_path, data_dir, **extra):
    return TrainConfig(**{"arch": "compact", "num_labeled": 20, "batch_size": 4, "labeled_batch_size": 4,
                          "iterations": 2, "seed": 1, "device": "cpu", "data_dir": str(data_dir),
                          "out": str(tmp_path / "runs"), "log_every": 1, "ema_decay": 0.9, **extra})


@pytest.mark.parametrize("rampup", [0.0, 1.0])
def test_weighted_teacher_loss_joins_the_unsupervised_loss(tmp_path, data_dir, isolated_env, monkeypatch, rampup):
    unsupervised, consistency, seen = [], [], []

    def spy_unsupervised(*args):
        loss = objectives_unsupervised(*args)
        unsupervised.append(loss.item())
        return loss

    def spy_consistency(student, teacher):
        seen.append((student.logits.shape[0], student.logits.requires_grad, teacher.logits.requires_grad))
        loss = objectives_consistency(student, teacher)
        consistency.append(loss.item())
        return loss

    objectives_unsupervised, objectives_consistency = (objectives.discriminator_unsupervised_loss,
                                                       objectives.consistency_loss)
    monkeypatch.setattr(objectives, "discriminator_unsupervised_loss", spy_unsupervised)
    monkeypatch.setattr(objectives, "consistency_loss", spy_consistency)
    run = train(config(tmp_path, data_dir, consistency=3.0, consistency_rampup=rampup), log=lambda _: None)
    assert seen == [(4, True, False)] * 2, "one unlabelled batch per step; only the student gets gradients"
    assert all(c > 0 for c in consistency), "shift and dropout differ between student and teacher"
    logged = [json.loads(line)["loss_d_unsup"] for line in (run.run_dir / "metrics.jsonl").read_text().splitlines()]
    # ramped over both iterations, the first gets exp(-5 (1 - 1/2)^2) of the weight and the second all of it
    weights = [3.0 * math.exp(-1.25), 3.0] if rampup else [3.0, 3.0]
    assert logged == pytest.approx([u + w * c for u, w, c in zip(unsupervised, weights, consistency)], rel=1e-5)


def test_off_where_the_recipe_or_the_user_says_0_and_refused_without_a_teacher(tmp_path, data_dir, isolated_env,
                                                                               monkeypatch):
    def fail(*_):
        raise AssertionError("consistency_loss called with a weight of 0")

    monkeypatch.setattr(objectives, "consistency_loss", fail)
    mlp = train(config(tmp_path, data_dir, arch="mlp", iterations=1), log=lambda _: None)
    assert mlp.config.consistency == 0.0, "mlp's recipe has no mean teacher"
    compact = train(config(tmp_path, data_dir, iterations=1, consistency=0.0), log=lambda _: None)
    assert compact.config.consistency == 0.0, "a user's 0 overrides compact's recipe"
    with pytest.raises(SganctlError, match="--consistency needs a weight average"):
        train(config(tmp_path, data_dir, consistency=1.0, ema_decay=0.0), log=lambda _: None)
    with pytest.raises(SganctlError, match="--consistency-rampup must be in"):
        train(config(tmp_path, data_dir, consistency=1.0, consistency_rampup=1.5), log=lambda _: None)
