"""Config files: a past run's config.json repeats that run even after the recipe contract has grown."""

import json
from dataclasses import asdict

from sganctl.api import Recipe
from sganctl.config import RECIPE_FIELDS, TrainConfig, as_trained_then, read_config_file


def stored_before_the_mean_teacher() -> dict:
    """A run's resolved config as a sganctl from before `consistency` existed wrote it."""
    config = asdict(TrainConfig(arch="compact").with_recipe(Recipe(lr_d=8e-4, ema_decay=0.999)))
    del config["consistency"], config["consistency_rampup"]
    return config


def test_recipe_settings_a_run_lacks_take_the_contracts_defaults_and_the_rest_stays():
    stored = stored_before_the_mean_teacher()
    values = as_trained_then(stored)
    assert (values["consistency"], values["consistency_rampup"]) == (0.0, 0.0)
    assert {key: values[key] for key in stored} == stored
    assert set(RECIPE_FIELDS) <= set(values)


def test_a_runs_config_json_gives_settings_newer_than_the_run_their_off_values(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"sganctl": "0.1.0", "config": stored_before_the_mean_teacher()}))
    values = read_config_file(path)
    assert values["consistency"] == 0.0, "compact's recipe weight (10) would not repeat a run that trained without it"
    assert values["lr_d"] == 8e-4 and values["betas_d"] == (0.5, 0.999)


def test_a_toml_file_leaves_what_it_does_not_set_to_the_plugins_recipe(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('arch = "compact"\nlr-d = 0.0003\n')
    assert read_config_file(path) == {"arch": "compact", "lr_d": 0.0003}
