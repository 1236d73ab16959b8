import sys

import pytest
from fake_plugins import write_broken_plugins

from sganctl.api import API_VERSION
from sganctl.errors import PluginError
from sganctl.plugins import Registry, discover


@pytest.fixture
def broken_site(tmp_path, monkeypatch):
    site = tmp_path / "site"
    write_broken_plugins(site)
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in ("good_mod", "raising_mod", "future_mod", "wrongtype_mod", "clash_mod"):
        sys.modules.pop(name, None)


def test_builtins_are_discovered_without_importing_them():
    for module in ("sganctl_mlp", "sganctl_dcgan", "sganctl_compact"):
        sys.modules.pop(module, None)
    entries = discover()
    assert {"mlp", "dcgan", "compact"} <= set(entries)
    assert entries["compact"].package == "sganctl"
    assert not any(m in sys.modules for m in ("sganctl_mlp", "sganctl_dcgan", "sganctl_compact"))


def test_builtins_load_and_follow_the_contract():
    registry = Registry()
    for name in ("mlp", "dcgan", "compact"):
        arch = registry.get(name)
        assert arch.name == name and arch.api_version == API_VERSION


def test_each_breakage_is_reported_with_package_and_version(broken_site):
    registry = Registry()
    assert registry.get("tiny").name == "tiny"
    expectations = {
        "ghost": r"missing_plugin 0\.1 failed to import \(ModuleNotFoundError",
        "raiser": r"raising_plugin 0\.2: its factory .* raised RuntimeError: factory exploded",
        "future": r"future_plugin 3\.0: targets plugin API version 99",
        "notarch": r"wrongtype_plugin 0\.3: entry point wrongtype_mod:thing gives a int",
        "compact": r"registered by several packages \((?=.*sganctl 0)(?=.*clash_plugin 0\.4)",
    }
    for name, pattern in expectations.items():
        with pytest.raises(PluginError, match=pattern):
            registry.get(name)
    # The broken ones do not stop the others from loading.
    assert registry.get("mlp").name == "mlp"


def test_unknown_name_suggests_close_ones():
    with pytest.raises(PluginError, match="did you mean compact"):
        Registry().get("compcat")


def test_unpackaged_plugin_by_module_and_attribute(tmp_path, monkeypatch):
    from fake_plugins import GOOD_ARCH

    (tmp_path / "devplugin.py").write_text(GOOD_ARCH.format(name="dev", api_version=1))
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry()
    arch = registry.get("devplugin:Tiny")
    assert arch.name == "dev"
    assert registry.entries["devplugin:Tiny"].package == "unpackaged module devplugin"
    with pytest.raises(PluginError, match="failed to import"):
        registry.get("nosuchdevmodule:Tiny")
    sys.modules.pop("devplugin", None)


def test_sganctl_plugins_allow_list(monkeypatch):
    monkeypatch.setenv("SGANCTL_PLUGINS", "mlp, compact@sganctl, dcgan@someone-else")
    assert set(discover()) == {"mlp", "compact"}
    with pytest.raises(PluginError, match="limited by SGANCTL_PLUGINS"):
        Registry().get("dcgan")


def test_contract_checks_pass_for_builtins_and_catch_breakage():
    from torch import nn

    from sganctl.contract import run_checks

    registry = Registry()
    for name in ("mlp", "compact"):
        arch = registry.get(name)
        checks = run_checks(arch, arch.build_generator, arch.build_discriminator, channels=3)
        assert all(c.passed for c in checks), [c for c in checks if not c.passed]

    class Unbounded(nn.Module):  # no tanh: output leaves [-1, 1]
        def __init__(self, z_dim, image):
            super().__init__()
            self.shape, self.body = image.shape, nn.Linear(z_dim, image.channels * image.height * image.width)

        def forward(self, z):
            return 100 * self.body(z).view(-1, *self.shape)

    arch = registry.get("mlp")
    failed = {c.name for c in run_checks(arch, Unbounded, arch.build_discriminator) if not c.passed}
    assert failed == {"generator output in [-1, 1]"}


def test_probe_rejects_non_finite_outputs():
    import torch
    from torch import nn

    from sganctl.api import DiscriminatorOutput, ImageSpec
    from sganctl.contract import verify_shapes

    class NaND(nn.Module):
        def forward(self, x):
            logits = torch.full((x.shape[0], 10), float("nan"))
            return DiscriminatorOutput(logits, logits)

    spec = ImageSpec(1, 28, 28)
    generator = Registry().get("mlp").build_generator(8, spec)
    with pytest.raises(PluginError, match="nanplug 1.0: the networks return non-finite values"):
        verify_shapes("nanplug 1.0", generator, NaND(), 8, 10, spec, False, torch.device("cpu"))


def test_train_flag_offers_exactly_the_generator_losses_the_contract_accepts():
    """The CLI spells the losses out to keep torch out of its start-up; this keeps the two lists one."""
    from sganctl.api import GENERATOR_LOSSES
    from sganctl.cli import train

    option = next(param for param in train.params if param.name == "generator_loss")
    assert tuple(option.type.choices) == GENERATOR_LOSSES


@pytest.mark.parametrize("module,change,message", [
    ("teacherless", "ema_decay=0.0, consistency=1.0", r"consistency \(1.0\) needs a weight average: ema_decay > 0"),
    ("overlong_ramp", "consistency_rampup=2.0", r"consistency_rampup must be in \[0, 1\], got 2.0"),
    ("negative_weight", "unsupervised_weight=-0.5", "unsupervised_weight must be 0 or positive, got -0.5"),
    ("runaway_average", "ema_decay=1.5", r"ema_decay must be in \[0, 1\), got 1.5"),
    ("one_beta", "betas_d=(0.5,)", r"betas_d must be two numbers in \[0, 1\)"),
    ("fractional_batch", "batch_size=32.5", "batch_size must be a positive integer, got 32.5"),
    ("still_rate", "lr_g=0.0", "lr_g must be positive, got 0.0"),
    ("unknown_loss", "generator_loss='wasserstein'", "generator_loss must be one of non-saturating, "),
])
def test_a_recipe_outside_what_its_settings_may_hold_is_refused_naming_the_setting(
        tmp_path, monkeypatch, module, change, message):
    from fake_plugins import GOOD_ARCH

    source = GOOD_ARCH.format(name="dev", api_version=1)
    source += f"\nfrom dataclasses import replace\nTiny.recipe = replace(Tiny.recipe, {change})\n"
    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError, match=message):
        Registry().get(f"{module}:Tiny")
    sys.modules.pop(module, None)
