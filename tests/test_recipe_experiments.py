"""The recipe-experiment scripts' variants still build against the plugins and the contract they borrow from."""

from __future__ import annotations

import sys

import pytest
import torch
from conftest import REPO

from sganctl.api import ImageSpec

sys.path.insert(0, str(REPO / "benchmarks" / "recipes"))
import compact_variants
import mlp_trunk

MNIST = ImageSpec(1, 28, 28)


@pytest.mark.parametrize("script,name", [(script, name) for script in (compact_variants, mlp_trunk)
                                          for name in sorted(script.VARIANTS)])
def test_every_variant_builds_networks_of_the_right_shapes(script, name):
    architecture = script.VARIANTS[name]()
    generator = architecture.build_generator(architecture.recipe.z_dim, MNIST)
    discriminator = architecture.build_discriminator(10, MNIST)
    images = generator(torch.randn(4, architecture.recipe.z_dim))
    assert images.shape == (4, 1, 28, 28)
    output = discriminator(images)
    assert output.logits.shape == (4, 10)
    assert output.features.shape[0] == 4


def test_compact_variants_apply_their_recipe_overrides_and_keep_the_rest():
    style = compact_variants.VARIANTS["mlp_style"].recipe
    default = compact_variants.VARIANTS["default"].recipe
    assert (style.generator_loss, style.lr_d, style.lr_g) == ("feature-matching", 1e-3, 1e-3)
    assert (style.batch_size, style.iterations, style.ema_decay) == (default.batch_size, default.iterations,
                                                                     default.ema_decay)


def test_the_runner_compares_on_held_out_training_images_and_reports_the_test_set_beside(data_dir, isolated_env):
    import json
    import subprocess

    script = REPO / "benchmarks" / "recipes" / "mlp_trunk.py"
    proc = subprocess.run([sys.executable, script, "previous", "--data-dir", data_dir, "--iterations", "2",
                           "--holdout", "200"], env=isolated_env, capture_output=True, text=True, check=True)
    printed = json.loads(proc.stdout)
    assert (printed["variant"], printed["iterations"], printed["holdout"]) == ("previous", 2, 200)
    assert 0.0 <= printed["holdout_accuracy"] <= 1.0 and 0.0 <= printed["test_accuracy"] <= 1.0
