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
