"""The `compact` plugin's discriminator: its random shift (what it does to a batch, never in evaluation) and its layers."""

import torch
from sganctl_compact import Compact, CompactDiscriminator, RandomShift

from sganctl.api import ImageSpec


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


def test_the_discriminator_evaluates_unshifted_and_its_checkpoints_do_not_change_shape():
    image = ImageSpec(1, 28, 28)
    shifting, plain = CompactDiscriminator(10, image), CompactDiscriminator(10, image, shift=0)
    assert shifting.state_dict().keys() == plain.state_dict().keys()  # checkpoints of either load into the other
    plain.load_state_dict(shifting.state_dict())
    x = torch.randn(16, 1, 28, 28)
    shifting.eval(), plain.eval()
    assert torch.equal(shifting(x).logits, plain(x).logits)
    assert Compact().build_discriminator(10, image).shift.pixels == 2


def test_the_discriminator_sees_shifted_images_while_training():
    torch.manual_seed(0)
    image = ImageSpec(1, 28, 28)
    discriminator, x = CompactDiscriminator(10, image, dropout=0.0), torch.randn(16, 1, 28, 28)
    seen = discriminator.train()(x).logits
    assert not torch.allclose(seen, discriminator.eval()(x).logits)  # dropout is off: only the shift differs


def test_the_discriminator_refines_the_7x7_and_4x4_grids_and_can_be_the_tutorials_three_convolutions():
    image = ImageSpec(1, 28, 28)

    def strides(discriminator):
        return [m.stride[0] for m in discriminator.trunk if isinstance(m, torch.nn.Conv2d)]

    shipped = Compact().build_discriminator(10, image)
    assert strides(shipped) == [2, 2, 1, 2, 1]
    assert strides(CompactDiscriminator(10, image, deepen_after=())) == [2, 2, 2]
    assert strides(CompactDiscriminator(10, image, deepen_after=(0,))) == [2, 1, 2, 2]
    assert shipped.classify.in_features == 128 * 4 * 4  # stride-1 convolutions keep the grid
    assert shipped.eval()(torch.randn(3, 1, 28, 28)).logits.shape == (3, 10)
