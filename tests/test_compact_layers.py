"""The `compact` plugin's discriminator: where its random shift acts (training only) and its layers."""

import torch
from conftest import convolution_strides as strides
from sganctl_compact import Compact, CompactDiscriminator

from sganctl.api import ImageSpec


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

    shipped = Compact().build_discriminator(10, image)
    assert strides(shipped) == [2, 2, 1, 2, 1]
    assert strides(CompactDiscriminator(10, image, deepen_after=())) == [2, 2, 2]
    assert strides(CompactDiscriminator(10, image, deepen_after=(0,))) == [2, 1, 2, 2]
    assert shipped.classify.in_features == 128 * 4 * 4  # stride-1 convolutions keep the grid
    assert shipped.eval()(torch.randn(3, 1, 28, 28)).logits.shape == (3, 10)
