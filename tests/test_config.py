"""Config files and the rules of settings: a past run's config.json repeats that run even after the recipe
contract has grown, and a value outside its setting is refused before anything runs."""

import json
import re
from dataclasses import asdict

import pytest

from sganctl.api import Recipe
from sganctl.config import FIELDS, RECIPE_FIELDS, TrainConfig, as_trained_then, read_config_file
from sganctl.errors import SganctlError
from sganctl.settings import RULES, problem


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


@pytest.mark.parametrize("line,message", [
    ("ema-decay = 1.5", r"ema-decay must be in \[0, 1\), got 1.5"),
    ("betas_d = [0.5]", r"betas_d must be two numbers in \[0, 1\)"),
    ("generator-loss = 'bogus'", "generator-loss must be one of non-saturating, feature-matching, "),
    ("seed = 'x'", "seed must be an integer, got 'x'"),
    ("batch-size = true", "batch-size must be a positive integer, got True"),
    ("eval-every = -3", "eval-every must be an integer >= 0, got -3"),
    ("lr-d = nan", "lr-d must be a finite number, positive, got nan"),
    ("dataset = 3", "dataset must be a non-empty string, got 3"),
])
def test_a_config_file_value_outside_its_setting_is_refused_naming_the_file_the_key_and_the_fix(tmp_path, line, message):
    path = tmp_path / "run.toml"
    path.write_text(f'arch = "compact"\n{line}\n')
    with pytest.raises(SganctlError, match=f"^{re.escape(str(path))}: {message}.*; correct it in the file$"):
        read_config_file(path)


def test_a_config_files_messages_spell_its_keys_as_the_file_does(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text("ema_decay = 1.5\n")
    with pytest.raises(SganctlError, match=r": ema_decay must be in \[0, 1\), got 1.5; correct it in the file$"):
        read_config_file(path)
    path.write_text("emma-decay = 0.5\n")
    with pytest.raises(SganctlError, match=r": unknown option\(s\) emma-decay; valid: "):
        read_config_file(path)


def test_a_config_file_that_sets_one_option_twice_is_refused_instead_of_keeping_either_silently(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text("ema-decay = 0.5\nema_decay = 0.6\n")
    with pytest.raises(SganctlError, match="^.*run.toml: ema-decay and ema_decay are the same option; keep one of them$"):
        read_config_file(path)


@pytest.mark.parametrize("text", ["[1, 2]", '"lr_d"', "3"])
def test_a_json_config_file_that_is_not_a_table_of_options_is_refused_with_a_message(tmp_path, text):
    path = tmp_path / "run.json"
    path.write_text(text)
    with pytest.raises(SganctlError, match="holds option names and values, not a .*sganctl train --help"):
        read_config_file(path)


def test_a_config_files_precision_may_be_written_as_a_number_and_its_nulls_leave_the_plugins_values(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('arch = "compact"\nprecision = 32\n')
    assert read_config_file(path)["precision"] == "32"
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"arch": "compact", "lr_d": None, "num_labeled": None}))
    assert read_config_file(options) == {"arch": "compact", "lr_d": None, "num_labeled": None}
    options.write_text(json.dumps({"arch": "compact", "seed": None}))
    with pytest.raises(SganctlError, match="seed must be an integer, got None"):
        read_config_file(options)


@pytest.mark.parametrize("name,good,bad", [
    ("iterations", 1, [0, 2.5, True, "10"]),
    ("seed", -3, [1.0, None]),
    ("eval_every", 0, [-1]),
    ("lr_d", 2, [0, -1e-4, float("inf"), float("nan"), "2e-4"]),
    ("ema_decay", 0.0, [1.0, -0.1]),
    ("lr_decay_start", 1, [1.01]),
    ("labeled_rate", 1, [0, 1.5]),
    ("unsupervised_weight", 0, [-0.5]),
    ("betas_g", [0, 0.999], [(0.5, 1.0), (0.5,), "0.5,0.9"]),
    ("precision", "bf16", [32, "fp8"]),
    ("supervised_only", False, [0, "yes"]),
    ("num_labeled", None, [0]),
    ("device", "cuda:1", ["", None]),
])
def test_each_setting_takes_what_its_flag_would_and_nothing_else(name, good, bad):
    assert problem(name, good) is None
    for value in bad:
        wrong = problem(name, value)
        assert wrong and wrong.startswith("must be ") and wrong.endswith(f", got {value!r}"), (value, wrong)


def test_every_setting_of_a_run_has_a_rule():
    assert set(RULES) == set(FIELDS)


def test_a_config_built_in_python_is_held_to_the_same_rules_before_anything_is_loaded_or_written(tmp_path):
    from sganctl.training import train

    config = TrainConfig(arch="compact", ema_decay=1.5, data_dir=str(tmp_path / "no-data"), out=str(tmp_path / "runs"))
    with pytest.raises(SganctlError, match=r"^--ema-decay must be in \[0, 1\), got 1.5$"):
        train(config, log=lambda _: None)
    assert not (tmp_path / "runs").exists()


def test_the_precision_flag_offers_exactly_the_precisions_the_rules_accept():
    """The CLI spells them out to keep torch out of its start-up; this keeps the two lists one."""
    from sganctl.cli import train
    from sganctl.settings import PRECISION_NAMES

    option = next(param for param in train.params if param.name == "precision")
    assert tuple(option.type.choices) == PRECISION_NAMES
