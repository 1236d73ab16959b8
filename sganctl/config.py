"""A training run's configuration: what the user gave, filled in from the plugin's recipe."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from .api import Recipe

RECIPE_FIELDS = tuple(f.name for f in fields(Recipe))


@dataclass
class TrainConfig:
    """Every setting a run used; stored as config.json in the run directory."""

    arch: str
    dataset: str = "mnist"
    num_labeled: int | None = None
    labeled_rate: float | None = None
    seed: int = 0
    device: str = "auto"
    out: str = "runs"
    data_dir: str | None = None
    checkpoint_every: int = 1000
    log_every: int = 100
    # Recipe fields: None means "the plugin's default".
    z_dim: int | None = None
    batch_size: int | None = None
    labeled_batch_size: int | None = None
    iterations: int | None = None
    lr_d: float | None = None
    lr_g: float | None = None
    betas_d: tuple[float, float] | None = None
    betas_g: tuple[float, float] | None = None
    unsupervised: str | None = None
    generator_loss: str | None = None

    def with_recipe(self, recipe: Recipe) -> TrainConfig:
        """A copy where every recipe field the user left unset takes the plugin's value."""
        values = asdict(self)
        for name in RECIPE_FIELDS:
            if values[name] is None:
                values[name] = getattr(recipe, name)
        if values["labeled_batch_size"] is None:
            values["labeled_batch_size"] = values["batch_size"]
        values["betas_d"] = tuple(values["betas_d"])
        values["betas_g"] = tuple(values["betas_g"])
        return TrainConfig(**values)

    def to_dict(self) -> dict:
        return asdict(self)
