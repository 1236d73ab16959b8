"""The MNIST family (MNIST, Fashion-MNIST): IDX files found locally or downloaded and verified."""

from __future__ import annotations

from pathlib import Path

import torch

from ..api import Dataset, DataSplits, ImageSet
from ..errors import SganctlError
from .download import DownloadFailed, fetch_verified, mirrors_for
from .idx import read_idx
from .locate import DATA_DIR_ENV, cache_root, find_file, find_folder


class IdxDataset(Dataset):
    """An MNIST-format dataset: file names per split, SHA-256 of their decompressed content, mirrors."""

    image_shape = (1, 28, 28)
    default_num_labeled = 100

    def __init__(self, name: str, description: str, classes, files: dict, sha256: dict, mirrors: tuple):
        self.name = name
        self.description = description
        self.classes = tuple(classes)
        self.files = files  # split -> (images file, labels file), without .gz
        self.sha256 = sha256
        self.mirrors = mirrors

    @property
    def filenames(self) -> list:
        return [name for pair in self.files.values() for name in pair]

    def locate(self, data_dir: str | None) -> str | None:
        folder = find_folder(self.name, self.filenames, data_dir)
        return str(folder) if folder else None

    def fetch(self, log) -> str:
        """Download whatever is missing into the cache, each file verified before it takes its name."""
        target = cache_root() / self.name
        try:
            for name in self.filenames:
                if not find_file(target, name):
                    fetch_verified(name, self.sha256[name], target, mirrors_for(self.name, self.mirrors), log)
        except DownloadFailed as exc:
            files = ", ".join(f"{n}.gz" for n in self.filenames)
            raise SganctlError(
                f"{self.name} data not found and the download failed ({exc}); put {files} "
                f"in DIR/{self.name}/ and pass --data-dir DIR or set {DATA_DIR_ENV}=DIR"
            ) from None
        return str(target)

    def load(self, data_dir: str | None, size=None, seed: int = 0, log=print) -> DataSplits:
        folder = Path(self.locate(data_dir) or self.fetch(log))
        return DataSplits(train=self.read_split(folder, "train"), test=self.read_split(folder, "test"))

    def read_split(self, folder: Path, split: str) -> ImageSet:
        """One split as uint8 images [N, 1, 28, 28] and int64 labels, checked for consistency."""
        images_path, labels_path = (find_file(folder, name) for name in self.files[split])
        images, labels = read_idx(images_path), read_idx(labels_path)
        channels, height, width = self.image_shape
        if images.ndim != 3 or images.shape[1:] != (height, width) or images.dtype != "uint8":
            raise SganctlError(f"{images_path}: expected uint8 images of {height}x{width}, found shape {images.shape}")
        if labels.ndim != 1:
            raise SganctlError(f"{labels_path}: expected a 1-D label file, found shape {labels.shape}")
        if len(images) != len(labels):
            raise SganctlError(
                f"{labels_path}: {len(labels)} labels for {len(images)} images in {images_path.name}; "
                "the files do not belong together"
            )
        if len(labels) and int(labels.max()) >= len(self.classes):
            raise SganctlError(f"{labels_path}: label {int(labels.max())} outside 0..{len(self.classes) - 1}")
        return ImageSet(
            images=torch.from_numpy(images.copy()).reshape(-1, channels, height, width),
            labels=torch.from_numpy(labels.astype("int64")),
            classes=list(self.classes),
        )


_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

MNIST = IdxDataset(
    name="mnist",
    description="MNIST handwritten digits, 60,000 training and 10,000 test images, 28x28 grey",
    classes=[str(d) for d in range(10)],
    files=_IDX_FILES,
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

FASHION_MNIST = IdxDataset(
    name="fashion-mnist",
    description="Zalando's Fashion-MNIST clothing images, same shapes and counts as MNIST",
    classes=["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
             "Ankle boot"],
    files=_IDX_FILES,
    # SHA-256 of the decompressed files; their MD5s are the ones Zalando publishes.
    sha256={
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
)
