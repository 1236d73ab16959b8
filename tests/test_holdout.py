"""--holdout: training images set aside, measured like the test set, never trained on."""

import json

import pytest
from test_resume import quiet, settings

from sganctl.errors import SganctlError
from sganctl.library import evaluate
from sganctl.training import resume, train


def test_holdout_images_leave_the_pools_and_are_measured_with_the_test_set(tmp_path, data_dir, isolated_env):
    lines = []
    run = train(settings(tmp_path, data_dir, arch="mlp", iterations=4, checkpoint_every=4, eval_every=2,
                         holdout=500), log=lines.append)
    assert any("20 labelled, 59480 unlabelled, 500 held out" in line for line in lines)
    records = [json.loads(line) for line in (run.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in records if "holdout_accuracy" in r] == [2, 4]
    assert run.holdout.num_test == 500 and sum(map(sum, run.holdout.confusion)) == 500
    assert records[-1]["holdout_accuracy"] == run.holdout.accuracy
    stored = json.loads((run.run_dir / "result.json").read_text())
    assert stored["holdout"]["accuracy"] == run.holdout.accuracy and stored["num_test"] == 10000
    assert run.to_dict()["num_holdout"] == 500
    again = evaluate(run.run_dir, data_dir, "cpu", log=quiet)  # `sganctl eval` finds the same images again
    assert (again.accuracy, again.holdout.accuracy, again.holdout.confusion) == (
        run.evaluation.accuracy, run.holdout.accuracy, run.holdout.confusion)
    assert again.to_dict()["holdout"]["num_test"] == 500


def test_without_holdout_nothing_is_set_aside(tmp_path, data_dir, isolated_env):
    lines = []
    run = train(settings(tmp_path, data_dir, arch="mlp", iterations=1), log=lines.append)
    assert run.holdout is None and "holdout_accuracy" not in run.to_dict()
    assert "holdout" not in evaluate(run.run_dir, data_dir, "cpu", log=quiet).to_dict()
    assert any("20 labelled, 59980 unlabelled, 1 iterations" in line for line in lines)


def test_a_resumed_run_keeps_its_holdout(tmp_path, data_dir, isolated_env):
    part = train(settings(tmp_path, data_dir, arch="mlp", iterations=2, holdout=100), log=quiet)
    with pytest.raises(SganctlError, match="cannot resume .* with --holdout 200: the run used 100"):
        resume(part.run_dir, {"iterations": 3, "holdout": 200}, log=quiet)
    assert resume(part.run_dir, {"iterations": 3}, log=quiet).holdout.num_test == 100
