"""`sganctl.api.RandomShift`, the augmentation plugins put first in a discriminator: what it does to a batch."""

import torch

from sganctl.api import RandomShift


def shifted(image: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """``image`` [C, H, W] moved so that output (i, j) is input (i + dy, j + dx), edges repeated."""
    height, width = image.shape[-2:]
    rows = (torch.arange(height) + dy).clamp(0, height - 1)
    cols = (torch.arange(width) + dx).clamp(0, width - 1)
    return image[:, rows[:, None], cols[None, :]]


def test_each_image_is_its_own_copy_moved_by_at_most_the_given_pixels():
    torch.manual_seed(0)
    images = torch.randn(64, 2, 9, 7)
    out = RandomShift(2).train()(images)
    assert out.shape == images.shape
    moves = set()
    for image, result in zip(images, out):
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if torch.equal(result, shifted(image, dy, dx))]
        assert found, "an output image is not a shifted copy of its input"
        moves.add(found[0])
    assert len(moves) > 10  # per image, not one move for the whole batch


def test_identity_in_eval_mode_and_at_zero_pixels():
    images = torch.randn(8, 1, 28, 28)
    assert RandomShift(2).eval()(images) is images
    assert RandomShift(0).train()(images) is images


def test_gradients_reach_the_generated_pixels():
    images = torch.randn(4, 1, 8, 8, requires_grad=True)
    RandomShift(1).train()(images).sum().backward()
    assert images.grad is not None and images.grad.sum().item() == 4 * 64


def test_keeps_the_channels_last_layout():
    images = torch.randn(8, 3, 28, 28).contiguous(memory_format=torch.channels_last)
    assert RandomShift(2).train()(images).is_contiguous(memory_format=torch.channels_last)
