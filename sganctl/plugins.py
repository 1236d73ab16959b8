"""Find architecture and dataset plugins through entry points and load them on demand.

Discovery reads package metadata only (the ``entrypoints`` package parses
``entry_points.txt`` files), so listing plugins never imports them. A plugin is
imported when a command uses it; whatever goes wrong then is wrapped in a
:class:`PluginError` naming the plugin's package and version, so one broken
plugin never breaks a command that does not use it.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import asdict, dataclass, field
from importlib import metadata

import entrypoints
from torch import nn

from . import settings
from .api import (
    ANY_SIZE,
    API_VERSION,
    DATASET_ENTRY_POINT_GROUP,
    ENTRY_POINT_GROUP,
    Architecture,
    ImageSpec,
    Recipe,
)
from .errors import PluginError


@dataclass
class PluginEntry:
    """One registered plugin as package metadata describes it, before import."""

    name: str
    package: str
    version: str
    target: str
    entry_point: entrypoints.EntryPoint = field(repr=False)
    rivals: list[str] = field(default_factory=list)
    """Other packages registering the same name; non-empty means the name is unusable."""
    kind: str = "architecture"
    direct: bool = False
    """Named as --arch module:attribute instead of registered; its name is what the object says."""

    @property
    def origin(self) -> str:
        return f"{self.package} {self.version}"


def installed_version(package: str | None) -> str | None:
    """The installed version of a distribution; None where it is not installed (or no name is given)."""
    try:
        return metadata.version(package) if package else None
    except metadata.PackageNotFoundError:
        return None


def _version_of(distro) -> str:
    if distro is None:
        return "unknown"
    # an in-tree .egg-info names no version; the installed metadata does
    return distro.version or installed_version(distro.name) or "unknown"


def _normalise(package: str) -> str:
    return package.lower().replace("-", "_").replace(".", "_")


PLUGINS_ENV = "SGANCTL_PLUGINS"
"""Comma-separated allow-list: ``name`` (from any package) or ``name@package``."""


def _allowed() -> list[tuple[str, str | None]] | None:
    value = os.environ.get(PLUGINS_ENV, "").strip()
    if not value:
        return None
    items = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, _, package = item.partition("@")
        items.append((name, _normalise(package) if package else None))
    return items


def _is_allowed(name: str, package: str, allowed) -> bool:
    return allowed is None or any(
        name == a_name and (a_pkg is None or a_pkg == _normalise(package)) for a_name, a_pkg in allowed
    )


def discover(group: str = ENTRY_POINT_GROUP, kind: str = "architecture") -> dict[str, PluginEntry]:
    """All registered plugins by name, without importing any of them.

    With SGANCTL_PLUGINS set, only the plugins it names are kept; ``name@package``
    picks one of several packages registering the same name.
    """
    allowed = _allowed() if group == ENTRY_POINT_GROUP else None
    found: dict[str, list[PluginEntry]] = {}
    for ep in entrypoints.get_group_all(group):
        package = ep.distro.name if ep.distro else "unknown"
        if not _is_allowed(ep.name, package, allowed):
            continue
        entry = PluginEntry(
            name=ep.name,
            package=package,
            version=_version_of(ep.distro),
            target=f"{ep.module_name}:{ep.object_name}" if ep.object_name else ep.module_name,
            entry_point=ep,
            kind=kind,
        )
        same_name = found.setdefault(ep.name, [])
        # The same distribution can be seen twice on sys.path (an in-tree
        # .egg-info beside the installed .dist-info); that is not a clash.
        if any(_normalise(e.package) == _normalise(package) for e in same_name):
            continue
        same_name.append(entry)
    plugins = {}
    for name, entries in found.items():
        first = entries[0]
        first.rivals = [e.origin for e in entries[1:]]
        plugins[name] = first
    return plugins


def _failure(entry: PluginEntry):
    """Builds the PluginError for a contract breach, naming the plugin, its package and the fix."""

    def fail(problem: str) -> PluginError:
        return PluginError(
            f"{entry.kind} '{entry.name}' from {entry.origin}: {problem}; upgrade or uninstall {entry.package}"
        )

    return fail


def _check_identity(obj, entry: PluginEntry, methods: tuple, what: str) -> None:
    """What every plugin kind must have: its methods, the API version this sganctl speaks, its registered name."""
    fail = _failure(entry)
    if not all(callable(getattr(obj, m, None)) for m in methods):
        raise fail(f"entry point {entry.target} gives a {type(obj).__name__}, not {what}")
    version = getattr(obj, "api_version", None)
    if version != API_VERSION:
        raise fail(f"targets plugin API version {version!r}, this sganctl supports {API_VERSION}")
    if not entry.direct and getattr(obj, "name", None) != entry.name:
        raise fail(f"calls itself {getattr(obj, 'name', None)!r} but is registered as {entry.name!r}")


def _check(obj, entry: PluginEntry) -> Architecture:
    """Validate a loaded object against the contract; raise PluginError if it breaks it."""
    fail = _failure(entry)
    _check_identity(obj, entry, ("build_generator", "build_discriminator"), "an architecture")
    recipe = getattr(obj, "recipe", None)
    if not isinstance(recipe, Recipe):
        raise fail("has no Recipe in its 'recipe' attribute")
    for name, value in asdict(recipe).items():
        wrong = settings.problem(name, value)
        if wrong:
            raise fail(f"its recipe's {name} {wrong}")
    if recipe.consistency and not recipe.ema_decay:
        raise fail(f"its recipe's consistency ({recipe.consistency!r}) needs a weight average: ema_decay > 0")
    size = getattr(obj, "image_size", ANY_SIZE)
    if size != ANY_SIZE and not (
        isinstance(size, tuple) and len(size) == 2 and all(isinstance(s, int) and s > 0 for s in size)
    ):
        raise fail(f"image_size must be (height, width) or {ANY_SIZE!r}, got {size!r}")
    if not isinstance(getattr(obj, "channels_last", False), bool):
        raise fail(f"channels_last must be True or False, got {obj.channels_last!r}")
    channels = getattr(obj, "channels", None)
    if channels is not None and not (isinstance(channels, int) and channels > 0):
        raise fail(f"channels must be a positive int or None, got {channels!r}")
    return obj


def load(entry: PluginEntry) -> Architecture:
    """Import one plugin and check it against the contract."""
    if entry.rivals:
        others = ", ".join([entry.origin, *entry.rivals])
        raise PluginError(
            f"{entry.kind} '{entry.name}' is registered by several packages ({others}); "
            "uninstall all but one"
        )
    try:
        obj = entry.entry_point.load()
    except Exception as exc:
        raise PluginError(
            f"{entry.kind} '{entry.name}' from {entry.origin} failed to import "
            f"({type(exc).__name__}: {exc}); reinstall or uninstall {entry.package}"
        ) from exc
    if isinstance(obj, type) or (callable(obj) and not hasattr(obj, "build_generator")):
        try:
            obj = obj()
        except Exception as exc:
            raise PluginError(
                f"{entry.kind} '{entry.name}' from {entry.origin}: its factory {entry.target} "
                f"raised {type(exc).__name__}: {exc}; upgrade or uninstall {entry.package}"
            ) from exc
    return _check(obj, entry) if entry.kind == "architecture" else _check_dataset(obj, entry)


def _check_dataset(obj, entry: PluginEntry):
    """Validate a loaded dataset plugin against the contract."""
    _check_identity(obj, entry, ("load", "locate"), "a dataset")
    return obj


def direct_entry(target: str) -> PluginEntry:
    """An unregistered plugin named as ``package.module:attribute``, for development."""
    module, _, attribute = target.partition(":")
    top = module.split(".")[0]
    packages = metadata.packages_distributions().get(top, [])
    package = packages[0] if packages else f"unpackaged module {module}"
    version = (installed_version(package) if packages else None) or "-"
    return PluginEntry(
        name=target, package=package, version=version, target=target,
        entry_point=entrypoints.EntryPoint(target, module, attribute or None), direct=True,
    )


class Registry:
    """The installed architectures: names known at once, plugins imported on first use."""

    kind = "architecture"
    listing_command = "sganctl archs"

    def __init__(self, entries: dict[str, PluginEntry] | None = None):
        self.entries = discover() if entries is None else entries
        self._loaded: dict[str, Architecture] = {}

    def names(self) -> list[str]:
        return sorted(self.entries)

    def get(self, name: str) -> Architecture:
        if name not in self.entries and ":" in name and self.kind == "architecture":
            self.entries[name] = direct_entry(name)
        if name not in self.entries:
            raise PluginError(self._unknown(name))
        if name not in self._loaded:
            self._loaded[name] = load(self.entries[name])
        return self._loaded[name]

    def build_generator(self, name: str, z_dim: int, image: ImageSpec) -> nn.Module:
        return self._build(name, "build_generator", z_dim, image)

    def build_discriminator(self, name: str, num_classes: int, image: ImageSpec) -> nn.Module:
        return self._build(name, "build_discriminator", num_classes, image)

    def _build(self, name: str, method: str, *args) -> nn.Module:
        """Call a plugin's builder; whatever it raises is reported as that plugin's fault."""
        arch = self.get(name)
        try:
            module = getattr(arch, method)(*args)
        except Exception as exc:
            entry = self.entries[name]
            raise PluginError(
                f"architecture '{name}' from {entry.origin}: {method}{args} raised "
                f"{type(exc).__name__}: {exc}; report it to the {entry.package} authors"
            ) from exc
        if not isinstance(module, nn.Module):
            raise PluginError(
                f"architecture '{name}' from {self.entries[name].origin}: {method} returned a "
                f"{type(module).__name__}, not a torch.nn.Module"
            )
        return module

    def _unknown(self, name: str) -> str:
        close = difflib.get_close_matches(name, self.names(), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        installed = ", ".join(self.names()) or "none"
        limited = f", limited by {PLUGINS_ENV}" if _allowed() is not None and self.kind == "architecture" else ""
        return (
            f"unknown {self.kind} '{name}'; {hint}installed: {installed}{limited} "
            f"(see '{self.listing_command}')"
        )


class DatasetRegistry(Registry):
    """The installed datasets (entry-point group sganctl.datasets), loaded on first use."""

    kind = "dataset"
    listing_command = "sganctl datasets"

    def __init__(self, entries: dict[str, PluginEntry] | None = None):
        super().__init__(discover(DATASET_ENTRY_POINT_GROUP, "dataset") if entries is None else entries)
