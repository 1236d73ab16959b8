"""Datasets: readers, where files are found, image folders, and the labelled/unlabelled split."""

from ..api import DataSplits, ImageSet
from .split import RunSplit, hold_out, labeled_count, split_labeled, split_run

__all__ = ["DataSplits", "ImageSet", "RunSplit", "hold_out", "labeled_count", "split_labeled", "split_run"]
