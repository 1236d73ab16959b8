"""Datasets: readers, where files are found, image folders, and the labelled/unlabelled split."""

from ..api import DataSplits, ImageSet
from .split import hold_out, labeled_count, split_labeled

__all__ = ["DataSplits", "ImageSet", "hold_out", "labeled_count", "split_labeled"]
