"""Resume: a run stopped at iteration k and resumed ends with the same weights as one never stopped."""

import pytest
import torch

from sganctl import checkpoint
from sganctl.config import TrainConfig
from sganctl.errors import SganctlError
from sganctl.training import resume, train


def quiet(_message):
    pass


def settings(tmp_path, data_dir, **extra):
    base = {"arch": "compact", "num_labeled": 20, "batch_size": 4, "labeled_batch_size": 4, "seed": 3,
                "device": "cpu", "data_dir": str(data_dir), "out": str(tmp_path / "runs"), "log_every": 1}
    return TrainConfig(**{**base, **extra})


def weights(run_dir):
    return checkpoint.load(run_dir / "checkpoint.safetensors").tensors


def test_interrupted_then_resumed_equals_uninterrupted_bit_for_bit(tmp_path, data_dir, isolated_env):
    whole = train(settings(tmp_path, data_dir, iterations=6, checkpoint_every=3), log=quiet)
    part = train(settings(tmp_path, data_dir, iterations=3, checkpoint_every=3), log=quiet)
    resumed = resume(part.run_dir, {"iterations": 6}, log=quiet)
    assert resumed.run_dir == part.run_dir
    a, b = weights(whole.run_dir), weights(resumed.run_dir)
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f"tensors differ after resume: {different[:5]}"
    lines = (part.run_dir / "metrics.jsonl").read_text().splitlines()
    assert [int(line.split('"iteration": ')[1].split(",")[0]) for line in lines] == [1, 2, 3, 4, 5, 6]


def test_resume_refuses_conflicting_settings(tmp_path, data_dir, isolated_env):
    run = train(settings(tmp_path, data_dir, iterations=2, checkpoint_every=2), log=quiet).run_dir
    for overrides, flag in (({"arch": "mlp"}, "--arch mlp"), ({"num_labeled": 50}, "--num-labeled 50"),
                            ({"dataset": "fashion"}, "--dataset fashion")):
        with pytest.raises(SganctlError, match=f"cannot resume .* with {flag}: the run used"):
            resume(run, {**overrides, "iterations": 4}, log=quiet)
    with pytest.raises(SganctlError, match="already trained 2 of 2 iterations"):
        resume(run, {}, log=quiet)
    resume(run, {"iterations": 3, "device": "cpu", "log_every": 5}, log=quiet)
    assert checkpoint.load(run / "checkpoint.safetensors").meta["iteration"] == 3


def test_resume_needs_a_run_directory(tmp_path):
    with pytest.raises(SganctlError, match="holds no checkpoint.safetensors"):
        resume(tmp_path, {})


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_trains_and_resumes(tmp_path, data_dir, isolated_env, precision):
    run = train(settings(tmp_path, data_dir, iterations=2, checkpoint_every=1, precision=precision), log=quiet)
    assert run.evaluation.num_test == 10000
    meta = checkpoint.load(run.run_dir / "checkpoint.safetensors").meta
    assert ("d" in meta["scalers"]) == (precision == "fp16"), "fp16 keeps its gradient scaler state"
    resumed = resume(run.run_dir, {"iterations": 3}, log=quiet)
    assert resumed.iterations == 3


def test_compiled_networks_train_and_save_plain_weights(tmp_path, data_dir, isolated_env):
    run = train(settings(tmp_path, data_dir, arch="mlp", iterations=2, checkpoint_every=2, compile=True), log=quiet)
    keys = checkpoint.load(run.run_dir / "checkpoint.safetensors").tensors
    assert not any("_orig_mod" in key for key in keys), "weights are saved under their plain names"


def test_unknown_precision(tmp_path, data_dir):
    with pytest.raises(SganctlError, match="--precision must be one of 32, bf16, fp16"):
        train(settings(tmp_path, data_dir, iterations=1, precision="fp8"), log=quiet)


def test_supervised_only_baseline_trains_the_discriminator_alone(tmp_path, data_dir, isolated_env):
    result = train(settings(tmp_path, data_dir, arch="mlp", iterations=30, checkpoint_every=30,
                            supervised_only=True), log=quiet)
    assert result.evaluation.accuracy > 0.3, "30 steps on 20 labels should beat chance"
    assert not (result.run_dir / "samples").exists(), "no generator, no sample grids"
    records = (result.run_dir / "metrics.jsonl").read_text().splitlines()
    assert '"loss_g": 0.0' in records[-1] and '"loss_d_unsup": 0.0' in records[-1]
