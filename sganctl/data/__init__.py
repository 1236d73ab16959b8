"""Datasets: readers, where files are found, and the labelled/unlabelled split."""

from .dataset import ImageSet
from .mnist import DATASETS, load_split
from .split import labeled_count, split_labeled

__all__ = ["DATASETS", "ImageSet", "labeled_count", "load_split", "split_labeled"]
