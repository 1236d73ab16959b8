"""Datasets: readers, where files are found, and the labelled/unlabelled split."""

from .dataset import ImageSet
from .mnist import DATASETS, get_dataset, load_split
from .split import labeled_count, split_labeled

__all__ = ["DATASETS", "ImageSet", "get_dataset", "labeled_count", "load_split", "split_labeled"]
