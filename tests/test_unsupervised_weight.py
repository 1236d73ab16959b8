"""--unsupervised-weight: D's real/fake loss on unlabelled and generated images, weighted against the labels."""

import json

import pytest

from sganctl import objectives
from sganctl.config import TrainConfig
from sganctl.errors import SganctlError
from sganctl.training import train


def config(tmp_path, data_dir, **extra):
    return TrainConfig(**{"arch": "compact", "num_labeled": 20, "batch_size": 4, "labeled_batch_size": 4,
                          "iterations": 2, "seed": 1, "device": "cpu", "data_dir": str(data_dir),
                          "out": str(tmp_path / "runs"), "log_every": 1, "ema_decay": 0.9, "consistency": 3.0,
                          **extra})


def test_the_weight_scales_the_real_fake_loss_and_leaves_the_teachers_weight_alone(tmp_path, data_dir, isolated_env,
                                                                                   monkeypatch):
    real_fake, teacher = [], []

    def spy(original, seen):
        def measured(*args):
            loss = original(*args)
            seen.append(loss.item())
            return loss
        return measured

    monkeypatch.setattr(objectives, "discriminator_unsupervised_loss",
                        spy(objectives.discriminator_unsupervised_loss, real_fake))
    monkeypatch.setattr(objectives, "consistency_loss", spy(objectives.consistency_loss, teacher))
    run = train(config(tmp_path, data_dir, unsupervised_weight=0.25), log=lambda _: None)
    logged = [json.loads(line)["loss_d_unsup"] for line in (run.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(real_fake) == len(teacher) == 2 and all(r > 0.1 for r in real_fake)
    assert logged == pytest.approx([0.25 * r + 3.0 * t for r, t in zip(real_fake, teacher)], rel=1e-5)
    assert json.loads((run.run_dir / "config.json").read_text())["config"]["unsupervised_weight"] == 0.25


def test_the_recipes_weight_is_the_usual_sgans_and_a_negative_one_is_refused(tmp_path, data_dir, isolated_env):
    run = train(config(tmp_path, data_dir, iterations=1), log=lambda _: None)
    assert run.config.unsupervised_weight == 1.0
    with pytest.raises(SganctlError, match="--unsupervised-weight must be 0 or positive"):
        train(config(tmp_path, data_dir, unsupervised_weight=-1.0), log=lambda _: None)
