"""A user's own images: ROOT/labeled/<class>/*, optional ROOT/unlabeled/* and ROOT/test/<class>/*."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from ..api import Dataset, DataSplits, ImageSet
from ..errors import SganctlError
from .images import image_files, read_images, to_tensor_layout
from .locate import DATA_DIR_ENV

DEFAULT_SIZE = (64, 64)
"""Images are resized to the architecture's size; to this one when it takes any size."""
HOLD_OUT = 0.2
"""Share of each class held out as the test set when ROOT/test/ is absent."""


class Folder(Dataset):
    name = "folder"
    description = "your images: --data-dir ROOT with labeled/<class>/*, optional unlabeled/* and test/<class>/*"
    default_num_labeled = None  # every labelled image

    def locate(self, data_dir: str | None) -> str | None:
        root = data_dir or os.environ.get(DATA_DIR_ENV)
        return str(root) if root and (Path(root) / "labeled").is_dir() else None

    def load(self, data_dir: str | None, size=None, seed: int = 0, log=print) -> DataSplits:
        root = data_dir or os.environ.get(DATA_DIR_ENV)
        if not root:
            raise SganctlError("the folder dataset needs --data-dir ROOT, with your images in ROOT/labeled/<class>/")
        root, size = Path(root), tuple(size or DEFAULT_SIZE)
        labeled_dir = root / "labeled"
        if not labeled_dir.is_dir():
            raise SganctlError(f"{labeled_dir}: not found; put each class's images in {labeled_dir}/<class>/")
        classes = sorted(p.name for p in labeled_dir.iterdir() if p.is_dir())
        if len(classes) < 2:
            raise SganctlError(f"{labeled_dir}: found {len(classes)} class folder(s); a classifier needs at least 2")

        files, labels = self._labelled_files(labeled_dir, classes)
        pixels, all_grey = read_images(files, size)
        test_dir, unlabeled_dir = root / "test", root / "unlabeled"
        test_files, test_labels = self._labelled_files(test_dir, classes) if test_dir.is_dir() else ([], [])
        test_pixels, test_grey = read_images(test_files, size)
        unlabeled_files = image_files(unlabeled_dir) if unlabeled_dir.is_dir() else []
        unlabeled_pixels, unlabeled_grey = read_images(unlabeled_files, size)
        channels = 1 if all_grey and test_grey and unlabeled_grey else 3

        images, labels = to_tensor_layout(pixels, channels), torch.tensor(labels, dtype=torch.long)
        notes = [f"{len(files)} labelled images in {len(classes)} classes from {labeled_dir}"]
        if test_dir.is_dir():
            test = ImageSet(to_tensor_layout(test_pixels, channels), torch.tensor(test_labels, dtype=torch.long),
                            classes)
            train = ImageSet(images, labels, classes)
        else:
            keep, held = self._hold_out(labels, len(classes), seed)
            if len(held) == 0:
                raise SganctlError(f"{labeled_dir}: too few images to hold out a test set; add {test_dir}/<class>/")
            everything = ImageSet(images, labels, classes)
            train, test = everything.subset(keep), everything.subset(held)
            notes.append(f"no {test_dir}: held out {len(held)} labelled images "
                         f"({HOLD_OUT:.0%} of each class, seed {seed}) as the test set")
        unlabeled = to_tensor_layout(unlabeled_pixels, channels) if unlabeled_files else None
        notes.append(f"{len(unlabeled_files)} unlabelled images from {unlabeled_dir}" if unlabeled_files
                     else f"no {unlabeled_dir}: the labelled images' pixels serve as the unlabelled pool too")
        return DataSplits(train=train, test=test, unlabeled=unlabeled, notes=tuple(notes))

    @staticmethod
    def _labelled_files(folder: Path, classes: list) -> tuple:
        files, labels = [], []
        for path in sorted(p for p in folder.iterdir() if p.is_dir()):
            if path.name not in classes:
                raise SganctlError(f"{path}: class '{path.name}' is not among the labelled classes {classes}")
        for index, name in enumerate(classes):
            found = image_files(folder / name) if (folder / name).is_dir() else []
            if not found and folder.name == "labeled":
                raise SganctlError(f"{folder / name}: this class folder holds no images (PNG, JPEG, BMP or WebP)")
            files += found
            labels += [index] * len(found)
        return files, labels

    @staticmethod
    def _hold_out(labels: torch.Tensor, num_classes: int, seed: int) -> tuple:
        """Seeded, class-stratified: (kept indices, held-out indices); classes of one image keep it."""
        gen = torch.Generator().manual_seed(seed + 7919)  # not the same stream as the labelled split
        keep, held = [], []
        for cls in range(num_classes):
            members = (labels == cls).nonzero().flatten()
            members = members[torch.randperm(len(members), generator=gen)]
            count = int(len(members) * HOLD_OUT) or (1 if len(members) >= 2 else 0)
            held.append(members[:count])
            keep.append(members[count:])
        return torch.cat(keep).sort().values, torch.cat(held).sort().values
