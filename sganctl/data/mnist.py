"""The MNIST family: IDX files found locally or downloaded, decoded into an ImageSet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import SganctlError
from .dataset import ImageSet
from .download import DownloadFailed, fetch_verified, mirrors_for
from .idx import read_idx
from .locate import DATA_DIR_ENV, cache_root, find_file, find_folder


@dataclass(frozen=True)
class IdxDataset:
    """An MNIST-format dataset: file names per split, content checksums, mirrors."""

    name: str
    classes: tuple[str, ...]
    files: dict[str, tuple[str, str]]  # split -> (images file, labels file), without .gz
    sha256: dict[str, str]  # file -> SHA-256 of its decompressed content
    mirrors: tuple[str, ...]
    image_shape: tuple[int, int, int] = (1, 28, 28)

    @property
    def filenames(self):
        return [name for pair in self.files.values() for name in pair]


MNIST = IdxDataset(
    name="mnist",
    classes=tuple(str(d) for d in range(10)),
    files={
        "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    },
    sha256={
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
)

DATASETS = {MNIST.name: MNIST}


def get_dataset(name: str) -> IdxDataset:
    if name not in DATASETS:
        raise SganctlError(f"unknown dataset '{name}'; available: {', '.join(DATASETS)}")
    return DATASETS[name]


def locate(spec: IdxDataset, data_dir: str | None, log: Callable[[str], None] = print) -> Path:
    """The folder holding the dataset's files, downloading them to the cache if need be."""
    folder = find_folder(spec.name, spec.filenames, data_dir)
    if folder is not None:
        return folder
    target = cache_root() / spec.name
    missing = [n for n in spec.filenames if not find_file(target, n)]
    try:
        for name in missing:
            fetch_verified(name, spec.sha256[name], target, mirrors_for(spec.name, spec.mirrors), log)
    except DownloadFailed as exc:
        files = ", ".join(f"{n}.gz" for n in spec.filenames)
        raise SganctlError(
            f"{spec.name} data not found and the download failed ({exc}); put {files} "
            f"in DIR/{spec.name}/ and pass --data-dir DIR or set {DATA_DIR_ENV}=DIR"
        ) from None
    return target


def load_split(
    spec: IdxDataset, split: str, data_dir: str | None, log: Callable[[str], None] = print
) -> ImageSet:
    """One split ('train' or 'test') as uint8 images [N, 1, 28, 28] and int64 labels."""
    folder = locate(spec, data_dir, log)
    images_name, labels_name = spec.files[split]
    images_path, labels_path = find_file(folder, images_name), find_file(folder, labels_name)
    images, labels = read_idx(images_path), read_idx(labels_path)
    channels, height, width = spec.image_shape
    if images.ndim != 3 or images.shape[1:] != (height, width) or images.dtype != "uint8":
        raise SganctlError(
            f"{images_path}: expected uint8 images of {height}x{width}, found shape {images.shape}"
        )
    if labels.ndim != 1:
        raise SganctlError(f"{labels_path}: expected a 1-D label file, found shape {labels.shape}")
    if len(images) != len(labels):
        raise SganctlError(
            f"{labels_path}: {len(labels)} labels for {len(images)} images in {images_path.name}; "
            "the files do not belong together"
        )
    if len(labels) and int(labels.max()) >= len(spec.classes):
        raise SganctlError(f"{labels_path}: label {int(labels.max())} outside 0..{len(spec.classes) - 1}")
    return ImageSet(
        images=torch.from_numpy(images.copy()).reshape(-1, channels, height, width),
        labels=torch.from_numpy(labels.astype("int64")),
        classes=list(spec.classes),
    )
