import pytest
import torch

from sganctl.api import ImageSet
from sganctl.data.split import hold_out, labeled_count, split_labeled, split_run
from sganctl.errors import SganctlError


@pytest.fixture
def labels():
    return torch.arange(1000) % 10


def test_balanced_and_disjoint(labels):
    labeled, unlabeled = split_labeled(labels, 100, 10, seed=0)
    assert torch.bincount(labels[labeled], minlength=10).tolist() == [10] * 10
    assert len(set(labeled.tolist()) & set(unlabeled.tolist())) == 0
    assert len(labeled) + len(unlabeled) == len(labels)


def test_same_seed_same_split_other_seed_other_split(labels):
    a, _ = split_labeled(labels, 50, 10, seed=3)
    b, _ = split_labeled(labels, 50, 10, seed=3)
    c, _ = split_labeled(labels, 50, 10, seed=4)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_remainder_goes_one_each_to_some_classes(labels):
    labeled, _ = split_labeled(labels, 23, 10, seed=0)
    counts = torch.bincount(labels[labeled], minlength=10)
    assert counts.sum() == 23 and sorted(counts.tolist()) == [2] * 7 + [3] * 3


def test_too_few_or_too_many_labels(labels):
    with pytest.raises(SganctlError, match="fewer than one per class"):
        split_labeled(labels, 5, 10, seed=0)
    with pytest.raises(SganctlError, match="more than the 1000"):
        split_labeled(labels, 1001, 10, seed=0)
    skewed = torch.tensor([0] * 50 + [1] * 2)
    with pytest.raises(SganctlError, match="class 1 has 2"):
        split_labeled(skewed, 10, 2, seed=0)


def test_labeled_rate():
    assert labeled_count(60000, None, 0.2) == 12000
    assert labeled_count(60000, 100, None) == 100
    with pytest.raises(SganctlError):
        labeled_count(60000, None, 1.5)


def test_hold_out_is_balanced_disjoint_and_the_same_for_every_run(labels):
    held, kept = hold_out(labels, 200, 10)
    assert torch.bincount(labels[held], minlength=10).tolist() == [20] * 10
    assert not set(held.tolist()) & set(kept.tolist()) and len(held) + len(kept) == len(labels)
    again, _ = hold_out(labels, 200, 10)
    assert torch.equal(held, again)


def test_hold_out_errors_name_its_own_flag(labels):
    with pytest.raises(SganctlError, match="--holdout 5 is fewer than one per class"):
        hold_out(labels, 5, 10)
    with pytest.raises(SganctlError, match="--holdout 2000 is more than the 1000"):
        hold_out(labels, 2000, 10)


def test_a_runs_split_holds_out_first_then_draws_labels_from_the_rest(labels):
    images = ImageSet(torch.zeros(len(labels), 1, 2, 2, dtype=torch.uint8), labels, [str(c) for c in range(10)])
    split = split_run(images, None, 0.5, holdout=200, default_num_labeled=None, seed=0)
    assert (len(split.train), len(split.held_out), split.num_labeled) == (800, 200, 400)
    assert len(split.labeled) + len(split.unlabeled) == 800
    assert split_run(images, None, None, 0, default_num_labeled=30, seed=0).num_labeled == 30
    everything = split_run(images, None, None, 100, default_num_labeled=None, seed=0)
    assert (everything.num_labeled, len(everything.unlabeled), everything.held_out is not None) == (900, 0, True)
    with pytest.raises(SganctlError, match="--num-labeled 5 is fewer than one per class"):
        split_run(images, 5, None, 0, None, seed=0)
