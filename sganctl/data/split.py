"""The labelled/unlabelled split: class-balanced, fixed by a seed, disjoint."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..api import ImageSet
from ..errors import SganctlError


def labeled_count(total: int, num_labeled: int | None, labeled_rate: float | None) -> int:
    """How many labels the user asked for, from --num-labeled or --labeled-rate."""
    if num_labeled is not None:
        return num_labeled
    if labeled_rate is None or not 0 < labeled_rate <= 1:
        raise SganctlError(f"--labeled-rate must be in (0, 1], got {labeled_rate}")
    return max(1, round(labeled_rate * total))


HOLDOUT_SEED = 20_161_110
"""The held-out images are the same whatever --seed, so runs over several seeds are judged on the same images."""


def split_labeled(
    labels: torch.Tensor, num_labeled: int, num_classes: int, seed: int, flag: str = "--num-labeled"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices of the labelled images and of all the others (the unlabelled pool).

    Each class gets num_labeled // K images; the remainder goes one each to
    classes drawn with the seed. The same labels, count and seed always give
    the same split. ``flag`` is the option that asked for the count, for messages.
    """
    if num_labeled < num_classes:
        raise SganctlError(
            f"{flag} {num_labeled} is fewer than one per class ({num_classes} classes); "
            f"ask for at least {num_classes}"
        )
    if num_labeled > len(labels):
        raise SganctlError(
            f"{flag} {num_labeled} is more than the {len(labels)} training images"
        )
    gen = torch.Generator().manual_seed(seed)
    quota = torch.full((num_classes,), num_labeled // num_classes)
    quota[torch.randperm(num_classes, generator=gen)[: num_labeled % num_classes]] += 1
    chosen = []
    for cls in range(num_classes):
        members = (labels == cls).nonzero().flatten()
        if len(members) < quota[cls]:
            raise SganctlError(
                f"class {cls} has {len(members)} training images, fewer than the {int(quota[cls])} "
                f"images a balanced split needs; ask for fewer with {flag}"
            )
        chosen.append(members[torch.randperm(len(members), generator=gen)[: quota[cls]]])
    labeled = torch.cat(chosen).sort().values
    mask = torch.ones(len(labels), dtype=torch.bool)
    mask[labeled] = False
    return labeled, mask.nonzero().flatten()


def hold_out(labels: torch.Tensor, count: int, num_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(held-out indices, kept indices): a class-balanced validation set, never trained on.

    It lets recipes and iteration counts be chosen without looking at the
    test set; drawn before the labelled split, so labels come from the rest.
    """
    return split_labeled(labels, count, num_classes, HOLDOUT_SEED, flag="--holdout")


@dataclass
class RunSplit:
    """What a run trains on and is judged by, drawn from a dataset's training images."""

    train: ImageSet  # the training images left once the held-out ones are set aside
    held_out: ImageSet | None
    num_labeled: int
    labeled: torch.Tensor  # indices into ``train``
    unlabeled: torch.Tensor  # indices into ``train``: every other image


def split_run(train_set: ImageSet, num_labeled: int | None, labeled_rate: float | None, holdout: int,
              default_num_labeled: int | None, seed: int) -> RunSplit:
    """The held-out images, then the labelled ones from the rest: one place that a run and a dry run share,
    so that a dry run refuses the same label and hold-out counts.

    With neither a count nor a rate, the dataset's default count is used, or every remaining image.
    """
    held_out = None
    if holdout:  # set aside before the labels are drawn: neither labelled nor unlabelled, never trained on
        held, kept = hold_out(train_set.labels, holdout, train_set.num_classes)
        held_out, train_set = train_set.subset(held), train_set.subset(kept)
    if num_labeled is None and labeled_rate is None:
        num_labeled = default_num_labeled or len(train_set)
    count = labeled_count(len(train_set), num_labeled, labeled_rate)
    labeled, unlabeled = split_labeled(train_set.labels, count, train_set.num_classes, seed)
    return RunSplit(train_set, held_out, count, labeled, unlabeled)
