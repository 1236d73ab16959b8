"""The recipe-experiment scripts' variants still build against the plugins and the contract they borrow from."""

from __future__ import annotations

import sys
from dataclasses import fields, replace

import pytest
import torch
from conftest import REPO, convolution_strides

from sganctl.contract import probe_spec

sys.path.insert(0, str(REPO / "benchmarks" / "recipes"))
import compact_variants
import dcgan_variants
import mlp_recipe
import mlp_trunk
import real_statistics


@pytest.mark.parametrize("script,name", [(script, name) for script in (compact_variants, dcgan_variants, mlp_recipe,
                                                          mlp_trunk) for name in sorted(script.VARIANTS)])
def test_every_variant_builds_networks_of_the_right_shapes(script, name):
    architecture = script.VARIANTS[name]()
    image = probe_spec(architecture, channels=1)
    generator = architecture.build_generator(architecture.recipe.z_dim, image)
    discriminator = architecture.build_discriminator(10, image)
    images = generator(torch.randn(4, architecture.recipe.z_dim))
    assert images.shape == (4, 1, image.height, image.width)
    output = discriminator(images)
    assert output.logits.shape == (4, 10)
    assert output.features.shape[0] == 4


def test_compact_variants_apply_their_recipe_overrides_and_keep_the_rest():
    style = compact_variants.VARIANTS["mlp_style"].recipe
    default = compact_variants.ThreeConvolutions.recipe  # the recipe the variant was measured against
    assert (style.generator_loss, style.lr_d, style.lr_g) == ("feature-matching", 1e-3, 1e-3)
    assert (style.iterations, style.ema_decay) == (default.iterations, default.ema_decay)
    assert (style.batch_size, style.labeled_batch_size) == (50, 50)  # the batches they were measured with


def test_compact_variants_start_from_the_recipe_before_the_shift_unless_they_are_the_default():
    image = probe_spec(compact_variants.VARIANTS["default"](), channels=1)

    def shift_and_rate(name):
        architecture = compact_variants.VARIANTS[name]()
        return architecture.build_discriminator(10, image).shift.pixels, architecture.recipe.lr_d

    assert compact_variants.VARIANTS["default"] is compact_variants.Compact
    assert shift_and_rate("no_shift") == (0, 2e-4)
    assert shift_and_rate("shift2") == (2, 2e-4)
    assert shift_and_rate("shift3") == (3, 2e-4)
    assert shift_and_rate("default")[0] == 2
    for name, architecture in compact_variants.VARIANTS.items():  # measured before the recipe took the mean teacher
        if "consistency" not in name and not name.startswith("default"):  # default_*: the plugin as shipped + one change
            assert architecture.recipe.consistency == 0.0, name


def test_affine_variants_are_the_shipped_recipe_with_a_random_turn_after_the_shift():
    architecture = compact_variants.VARIANTS["shift2_fast_affine_10"]()
    recipe, shipped = architecture.recipe, compact_variants.Compact.recipe
    assert (recipe.batch_size, recipe.labeled_batch_size, recipe.lr_d, recipe.lr_g) == (
        shipped.batch_size, shipped.labeled_batch_size, shipped.lr_d, shipped.lr_g)
    discriminator = architecture.build_discriminator(10, probe_spec(architecture, channels=1))
    assert (discriminator.shift.pixels, discriminator.affine.degrees, discriminator.affine.zoom) == (2, 10, 0.1)
    assert recipe.consistency == 0.0, "measured before the mean teacher"
    taught = compact_variants.VARIANTS["consistency_10_affine_10"]()
    assert taught.recipe == replace(recipe, consistency=10.0) and taught.recipe.consistency == shipped.consistency
    discriminator = taught.build_discriminator(10, probe_spec(taught, channels=1))
    assert (discriminator.shift.pixels, discriminator.affine.degrees, discriminator.affine.zoom) == (2, 10, 0.1)


def test_consistency_variants_of_the_shipped_networks_change_only_the_recipe_fields_their_names_give():
    shipped = compact_variants.ThreeConvolutions.recipe
    # the recipe they were measured against; a change to the plugin would silently change these variants
    assert (shipped.consistency, shipped.consistency_rampup, shipped.ema_decay, shipped.batch_size,
            shipped.labeled_batch_size, shipped.betas_d, shipped.betas_g, shipped.lr_decay_start) == (
        10.0, 0.0, 0.999, 50, 50, (0.5, 0.999), (0.5, 0.999), 0.5)
    assert shipped == replace(compact_variants.Compact.recipe, iterations=8000)
    changes = {}
    for name, architecture in compact_variants.VARIANTS.items():
        if name.startswith("consistency_") and (
                architecture.build_discriminator is compact_variants.ThreeConvolutions.build_discriminator):
            recipe = architecture.recipe
            changes[name] = {field.name: getattr(recipe, field.name) for field in fields(recipe)
                             if getattr(recipe, field.name) != getattr(shipped, field.name)}
    assert changes == {
        "consistency_1": {"consistency": 1.0}, "consistency_3": {"consistency": 3.0}, "consistency_10": {},
        "consistency_30": {"consistency": 30.0}, "consistency_10_rampup_25": {"consistency_rampup": 0.25},
        "consistency_30_rampup_25": {"consistency": 30.0, "consistency_rampup": 0.25},
        "consistency_10_ema_0995": {"ema_decay": 0.995}, "consistency_10_ema_09995": {"ema_decay": 0.9995},
        "consistency_20_rampup_25": {"consistency": 20.0, "consistency_rampup": 0.25},
        "consistency_10_unlabeled_100": {"batch_size": 100},  # the labelled batch stays 50
        "consistency_10_betas_d_09": {"betas_d": (0.9, 0.999)},
        "consistency_10_decay_from_25": {"lr_decay_start": 0.25}}


def test_cutout_blanks_one_square_per_image_in_every_channel_and_only_while_training():
    torch.manual_seed(0)
    images = torch.rand(256, 3, 12, 10) + 1  # never 0 before the cutout
    cutout = compact_variants.Cutout(4)
    out = cutout.train()(images)
    blanked = out == 0
    assert torch.equal(blanked, blanked[:, :1].expand_as(blanked))  # the same square in every channel
    assert torch.equal(out[~blanked], images[~blanked])
    for mask in blanked[:, 0]:
        rows, cols = mask.any(1).nonzero().flatten(), mask.any(0).nonzero().flatten()
        assert 1 <= len(rows) <= 4 and 1 <= len(cols) <= 4
        assert mask.sum() == len(rows) * len(cols)  # a rectangle: the square, cut by the border where it hangs over
        assert torch.equal(rows, torch.arange(rows[0], rows[-1] + 1))
    assert len({tuple(mask.nonzero()[0].tolist()) for mask in blanked[:, 0]}) > 20  # placed per image
    assert (blanked[:, 0].sum((1, 2)) == 16).float().mean() > 0.3  # mostly whole squares inside the image
    assert torch.equal(cutout.eval()(images), images)


def test_random_affine_turns_about_the_centre_differently_per_image_and_passes_gradients():
    torch.manual_seed(0)
    side = torch.arange(21.0) - 10
    blob = torch.exp(-(side[:, None] ** 2 + side[None, :] ** 2) / 8)  # round, at the centre: turning keeps it
    off_centre = torch.roll(blob, 6, dims=1)
    images = torch.stack([blob, off_centre])[:, None].repeat(16, 1, 1, 1).requires_grad_()
    turned = compact_variants.RandomAffine(30, 0).train()(images)
    assert turned.shape == images.shape
    assert (turned[0::2] - images[0::2]).abs().max() < 0.05
    moved = (turned[1::2] - images[1::2]).abs().amax((1, 2, 3)) > 0.05
    assert moved.float().mean() > 0.5  # off-centre blobs move (by the turn each image drew)
    assert turned[1::2].std(0).max() > 0.1  # and not all by the same turn
    assert images.min() <= turned.min() and turned.max() <= images.max()  # bilinear, edges repeated
    turned.sum().backward()
    assert images.grad.abs().sum() > 0
    zoomed = compact_variants.RandomAffine(0, 0.2).train()(images.detach())
    ratio = zoomed[0::2].sum((1, 2, 3)) / images[0::2].detach().sum((1, 2, 3))
    assert 0.6 < ratio.min() and ratio.max() < 1.5 and ratio.std() > 0.01  # area grows or shrinks with the zoom
    for layer in (compact_variants.RandomAffine(30, 0.2).eval(), compact_variants.RandomAffine(0, 0).train()):
        assert torch.equal(layer(images.detach()), images.detach())


def test_cutout_variants_cut_after_the_shift_with_the_faster_adam():
    architecture = compact_variants.VARIANTS["shift2_fast_cutout_8"]()
    image = probe_spec(architecture, channels=1)
    discriminator = architecture.build_discriminator(10, image)
    assert (discriminator.shift.pixels, discriminator.cutout.size) == (2, 8)
    assert (architecture.recipe.lr_d, architecture.recipe.lr_g) == (8e-4, 8e-4)
    assert compact_variants.VARIANTS["shift2"]().build_discriminator(10, image).cutout.size == 0


def test_dcgan_variants_change_only_the_averaging_the_schedule_and_the_teacher():
    default = dcgan_variants.VARIANTS["constant"].recipe  # what they were measured against
    winner = dcgan_variants.VARIANTS["consistency_10"].recipe  # the screen's winner, the plugin's recipe until
    assert replace(default, ema_decay=0.999, consistency=10.0) == winner  # its teacher's weight became 1
    assert replace(winner, consistency=1.0) == dcgan_variants.DCGAN.recipe == dcgan_variants.VARIANTS["default"].recipe
    averaged = dcgan_variants.VARIANTS["ema_lr_decay"].recipe
    assert (default.ema_decay, default.lr_decay_start) == (0.0, 1.0)
    assert (averaged.ema_decay, averaged.lr_decay_start) == (0.999, 0.5)
    assert replace(averaged, ema_decay=0.0, lr_decay_start=1.0) == default
    assert dcgan_variants.VARIANTS["ema"].name == "dcgan"
    taught = dcgan_variants.VARIANTS["ema_consistency_10"].recipe
    assert replace(taught, ema_decay=0.0, consistency=0.0) == default and taught.ema_decay == 0.999
    assert taught.consistency == 10.0  # the weight it was measured with, whatever compact's recipe becomes
    both = dcgan_variants.VARIANTS["ema_lr_decay_consistency_10"].recipe
    assert replace(both, lr_decay_start=1.0) == taught


def test_dcgan_variants_keep_the_unshifted_networks_they_were_measured_on_unless_named_for_a_shift():
    image = probe_spec(dcgan_variants.VARIANTS["default"](), channels=1)

    def shift(name):
        return dcgan_variants.VARIANTS[name]().build_discriminator(10, image).shift.pixels

    assert shift("default") == shift("shift_4") == shift("consistency_1") == shift("consistency_10") == 4
    assert shift("four_convolutions") == 4
    assert dcgan_variants.VARIANTS["shift_4"].recipe == dcgan_variants.VARIANTS["unshifted"].recipe == (
        dcgan_variants.VARIANTS["consistency_10"].recipe)  # the teacher at 10, as they were measured
    for name in dcgan_variants.VARIANTS:
        if not name.startswith(("default", "four_convolutions", "shift_", "unsupervised_weight_", "consistency_")):
            assert shift(name) == 0, name


def test_dcgan_weight_variants_are_the_plugin_with_the_teacher_at_10_and_that_weight_alone():
    from dataclasses import asdict
    measured_on = {**asdict(dcgan_variants.DCGAN.recipe), "consistency": 10.0}
    for name, key, weight in (("unsupervised_weight_50", "unsupervised_weight", 0.5),
                              ("unsupervised_weight_20", "unsupervised_weight", 0.2),
                              ("unsupervised_weight_0", "unsupervised_weight", 0.0),
                              ("consistency_1", "consistency", 1.0), ("consistency_10", "consistency", 10.0)):
        variant = dcgan_variants.VARIANTS[name]
        assert asdict(variant.recipe) == {**measured_on, key: weight}
        assert issubclass(variant, dcgan_variants.DCGAN) and "build_discriminator" not in vars(variant)


def test_mlp_recipe_variants_change_one_choice_each_on_the_plugins_networks():
    MLP = mlp_recipe.MLP  # the class the script subclassed (other tests may re-import the plugin module)
    before = {"generator_loss": "feature-matching"}
    expected = {"feature_matching": before, "non_saturating": {"generator_loss": "non-saturating"},
                "non_saturating_plus_fm": {"generator_loss": "non-saturating+feature-matching"},
                "adam_2e4": {**before, "lr_d": 2e-4, "lr_g": 2e-4}, "no_ema": {**before, "ema_decay": 0.0},
                **{f"consistency_{w}": {"consistency": float(w)} for w in (1, 3, 10)}}
    assert set(mlp_recipe.VARIANTS) == {"default", *expected}
    assert mlp_recipe.VARIANTS["default"].recipe == MLP.recipe
    for name, overrides in expected.items():
        architecture = mlp_recipe.VARIANTS[name]
        assert issubclass(architecture, MLP) and architecture.build_discriminator is MLP.build_discriminator
        assert architecture.recipe == replace(MLP.recipe, **overrides)


def test_mlp_trunk_variants_keep_the_feature_matching_they_were_measured_with():
    assert {variant.recipe.generator_loss for variant in mlp_trunk.VARIANTS.values()} == {"feature-matching"}


@pytest.mark.parametrize("supervised_only", [False, True])
def test_the_runner_compares_on_held_out_training_images_and_reports_the_test_set_beside(data_dir, isolated_env,
                                                                                          supervised_only):
    import json
    import subprocess

    script = REPO / "benchmarks" / "recipes" / "mlp_trunk.py"
    proc = subprocess.run([sys.executable, script, "previous", "--data-dir", data_dir, "--iterations", "2",
                           "--holdout", "200", "--num-labeled", "20", *["--supervised-only"] * supervised_only],
                          env=isolated_env, capture_output=True, text=True, check=True)
    printed = json.loads(proc.stdout)
    assert (printed["variant"], printed["iterations"], printed["holdout"], printed["num_labeled"]) == (
        "previous", 2, 200, 20)
    assert printed["supervised_only"] is supervised_only  # as the run's own configuration has it
    assert 0.0 <= printed["holdout_accuracy"] <= 1.0 and 0.0 <= printed["test_accuracy"] <= 1.0


@pytest.mark.parametrize("name, layer, setting", [("consistency_10_input_noise_03", "trunk.0", ("std", 0.3)),
                                                  ("consistency_10_cutout_8", "cutout", ("size", 8)),
                                                  ("consistency_10_dropout_05", "dropout", ("p", 0.5))])
def test_teacher_variants_with_more_noise_are_the_shipped_recipe_plus_one_regulariser(name, layer, setting):
    architecture = compact_variants.VARIANTS[name]()
    assert architecture.recipe == compact_variants.ThreeConvolutions.recipe
    discriminator = architecture.build_discriminator(10, probe_spec(architecture, channels=1))
    assert getattr(discriminator.get_submodule(layer), setting[0]) == setting[1]
    assert discriminator.shift.pixels == 2


def test_clean_teacher_variant_skips_shift_and_dropout_only_in_a_training_forward_without_gradients():
    architecture = compact_variants.VARIANTS["consistency_10_clean_teacher"]()
    assert architecture.recipe == compact_variants.ThreeConvolutions.recipe
    discriminator = architecture.build_discriminator(10, probe_spec(architecture, channels=1)).train()
    images = torch.rand(8, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        clean = discriminator(images).logits
        assert torch.equal(discriminator(images).logits, clean)  # the teacher's view: no randomness left
        assert torch.allclose(discriminator.eval()(images).logits, clean)  # ... and the evaluated classifier's
    plain = compact_variants.CompactDiscriminator(10, probe_spec(architecture, channels=1), deepen_after=())
    plain.load_state_dict(discriminator.state_dict())
    discriminator.train()
    torch.manual_seed(0)
    student = discriminator(images).logits  # with gradients: shifted and dropped out as the plugin's
    torch.manual_seed(0)
    assert torch.equal(plain.train()(images).logits, student)
    assert not torch.allclose(student, clean)


@pytest.mark.parametrize("name, strides, width", [("consistency_10_deeper_4x4", [2, 2, 2, 1], 128),
                                                  ("consistency_10_deeper_7x7_4x4", [2, 2, 1, 2, 1], 128),
                                                  ("consistency_10_width_192", [2, 2, 2], 192)])
def test_network_variants_are_the_shipped_recipe_with_stride_1_convolutions_or_wider_ones(name, strides, width):
    architecture = compact_variants.VARIANTS[name]()
    assert architecture.recipe == compact_variants.ThreeConvolutions.recipe
    image = probe_spec(architecture, channels=1)
    discriminator = architecture.build_discriminator(10, image)
    assert convolution_strides(discriminator) == strides
    assert {m.out_channels for m in discriminator.trunk if isinstance(m, torch.nn.Conv2d)} == {width}
    # each convolution is followed by its LeakyReLU; the shift, the dropout and the 4x4 grid of features stay
    kinds = [type(m) for m in discriminator.trunk if not isinstance(m, torch.nn.Flatten)]
    assert kinds == [torch.nn.Conv2d, torch.nn.LeakyReLU] * len(strides)
    assert (discriminator.shift.pixels, discriminator.dropout.p) == (2, 0.4)
    assert discriminator.classify.in_features == width * 4 * 4


def test_the_deeper_default_is_the_shipped_plugin_with_a_stride_1_convolution_at_14x14_too():
    architecture = compact_variants.VARIANTS["default_deeper_14x14"]()
    assert architecture.recipe == compact_variants.Compact.recipe
    discriminator = architecture.build_discriminator(10, probe_spec(architecture, channels=1))
    assert convolution_strides(discriminator) == [2, 1, 2, 1, 2, 1]
    assert discriminator.classify.in_features == 128 * 4 * 4


def test_every_variant_but_the_default_and_the_network_screens_keeps_the_three_convolutions_it_was_measured_on():
    image = probe_spec(compact_variants.Compact(), channels=1)

    def strides(architecture):
        return convolution_strides(architecture().build_discriminator(10, image))

    for name, architecture in compact_variants.VARIANTS.items():
        if name != "default" and not any(word in name for word in ("deeper", "width")):
            assert strides(architecture) == [2, 2, 2], name
    assert strides(compact_variants.VARIANTS["default"]) == [2, 2, 1, 2, 1]  # the plugin as shipped


def test_real_statistics_recomputes_batch_norm_statistics_and_keeps_the_weights(tmp_path, data_dir, isolated_env,
                                                                                monkeypatch):
    from sganctl import checkpoint
    from sganctl.config import TrainConfig
    from sganctl.training import train

    run = train(TrainConfig(arch="dcgan", num_labeled=20, batch_size=4, labeled_batch_size=4, iterations=2,
                            holdout=50, device="cpu", data_dir=str(data_dir), out=str(tmp_path / "runs")),
                log=lambda message: None).run_dir
    recomputed = []
    update_bn = real_statistics.update_bn

    def remember(loader, model):
        before = {k: v.clone() for k, v in model.state_dict().items()}
        update_bn(loader, model)
        recomputed.append((before, model.state_dict()))

    monkeypatch.setattr(real_statistics, "update_bn", remember)
    result = real_statistics.accuracies(str(run), str(data_dir), batches=2)
    assert set(result["as trained"]) == set(result["real images only"]) == {"test", "held out"}
    assert (result["real images"], result["batch"], result["iteration"]) == (2 * 4, 4, 2)  # the run's batch of 4
    (before, after), = recomputed
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.endswith(("running_mean", "running_var", "num_batches_tracked")) for k in changed)
    assert checkpoint.load(run / "checkpoint.safetensors").meta["iteration"] == 2  # the run itself is untouched


def refined_grids(discriminator, image) -> list:
    """The side of the grid each stride-1 convolution of a `dcgan`-style trunk refines, checking it keeps its channels."""
    sides, x = [], torch.zeros(2, 1, image.height, image.width)
    for layer in discriminator.trunk:
        if isinstance(layer, torch.nn.Conv2d) and layer.stride == (1, 1):
            sides.append(x.shape[-1])
            assert layer.in_channels == layer.out_channels == x.shape[1]
        x = layer(x)
    return sides


def test_dcgan_deeper_variants_add_stride_1_convolutions_at_the_named_grids_to_the_four_convolutions():
    image = probe_spec(dcgan_variants.VARIANTS["default"](), channels=1)
    for name, grids in (("default_deeper_4x4", [4]), ("default_deeper_8x8_4x4", [8, 4])):
        variant = dcgan_variants.VARIANTS[name]
        assert variant.recipe == dcgan_variants.DCGAN.recipe
        torch.manual_seed(0)
        deeper = variant().build_discriminator(10, image)
        torch.manual_seed(0)
        four = dcgan_variants.DCGANDiscriminator(10, image, deepen_after=())
        assert refined_grids(deeper, image) == grids, name
        four_convs = [m for m in four.trunk if isinstance(m, torch.nn.Conv2d)]
        strided = [m for m in deeper.trunk if isinstance(m, torch.nn.Conv2d) and m.stride == (2, 2)]
        # the four convolutions start from the weights they had before, as when the screens measured them
        assert all(torch.equal(a.weight, b.weight) for a, b in zip(four_convs, strided, strict=True))
        assert {m.p for m in deeper.trunk if isinstance(m, torch.nn.Dropout)} == {0.3}  # the plugin's dropout
        assert deeper.shift.pixels == 4 and deeper(torch.zeros(2, *image.shape)).logits.shape == (2, 10)


def test_the_plugins_discriminator_is_the_measured_deeper_variant_and_the_other_variants_keep_four_convolutions():
    image = probe_spec(dcgan_variants.VARIANTS["default"](), channels=1)

    def build(name):
        return dcgan_variants.VARIANTS[name]().build_discriminator(10, image)

    plugin, measured = build("default"), build("default_deeper_8x8_4x4")
    # the same layers in the same order, so the variant's checkpoints load into the plugin's discriminator
    assert [type(m) for m in plugin.trunk] == [type(m) for m in measured.trunk]
    assert {k: v.shape for k, v in plugin.state_dict().items()} == {k: v.shape for k, v in measured.state_dict().items()}
    assert refined_grids(plugin, image) == [8, 4]
    for name in dcgan_variants.VARIANTS:
        if not name.startswith("default"):
            assert refined_grids(build(name), image) == [], name


@pytest.mark.parametrize("name, grids, width, dropout", [("default_deeper_16x16", [16, 8, 4], 64, 0.3),
                                                         ("default_width_96", [8, 4], 96, 0.3),
                                                         ("default_dropout_20", [8, 4], 64, 0.2)])
def test_the_ceiling_variants_are_the_plugin_with_one_setting_of_its_discriminator_changed(name, grids, width, dropout):
    variant = dcgan_variants.VARIANTS[name]
    assert variant.recipe == dcgan_variants.DCGAN.recipe
    assert variant.build_generator is dcgan_variants.DCGAN.build_generator
    image = probe_spec(variant(), channels=1)
    discriminator = variant().build_discriminator(10, image)
    assert refined_grids(discriminator, image) == grids
    assert discriminator.trunk[0].out_channels == width and discriminator.classify.in_features == 8 * width
    assert {m.p for m in discriminator.trunk if isinstance(m, torch.nn.Dropout)} == {dropout}
    assert discriminator.shift.pixels == 4


def test_the_turned_ceiling_variant_is_the_plugin_with_a_random_turn_and_zoom_after_its_shift():
    variant = dcgan_variants.VARIANTS["default_affine_10"]
    assert variant.recipe == dcgan_variants.DCGAN.recipe
    assert variant.build_generator is dcgan_variants.DCGAN.build_generator
    image = probe_spec(variant(), channels=1)
    torch.manual_seed(0)
    plugin = dcgan_variants.DCGAN().build_discriminator(10, image)
    torch.manual_seed(0)
    turned = variant().build_discriminator(10, image)
    shift, affine = turned.shift
    assert (shift.pixels, affine.degrees, affine.zoom) == (4, 10, 0.1)
    assert len(turned.state_dict()) == len(plugin.state_dict())
    for (name, mine), theirs in zip(turned.state_dict().items(), plugin.state_dict().values()):
        assert torch.equal(mine, theirs), name  # the plugin's layers and first weights: only the input step differs
    images = torch.rand(8, image.channels, image.height, image.width)
    assert torch.equal(turned.shift.eval()(images), images)  # the classifier people get never turns
    torch.manual_seed(1)
    shifted_only = plugin.shift.train()(images)
    torch.manual_seed(1)
    assert not torch.allclose(turned.shift.train()(images), shifted_only)
