"""The `dcgan` plugin's discriminator: its random shift acts in training only; ``deepen_after`` adds stride-1 layers."""

import torch
from conftest import convolution_strides as strides
from sganctl_dcgan import DCGAN, DCGANDiscriminator

from sganctl.api import ImageSpec

IMAGE = ImageSpec(1, 64, 64)


def test_the_discriminator_evaluates_unshifted_and_its_checkpoints_do_not_change_shape():
    shifting, plain = DCGAN().build_discriminator(10, IMAGE), DCGANDiscriminator(10, IMAGE, shift=0)
    assert shifting.shift.pixels == 4
    # checkpoints made before the shift load into the shipped discriminator, and back
    assert shifting.state_dict().keys() == plain.state_dict().keys()
    plain.load_state_dict(shifting.state_dict())
    x = torch.randn(8, 1, 64, 64)
    shifting.eval(), plain.eval()
    assert torch.equal(shifting(x).logits, plain(x).logits)


def test_the_discriminator_sees_shifted_images_while_training():
    torch.manual_seed(0)
    shifting, plain = DCGANDiscriminator(10, IMAGE, dropout=0.0), DCGANDiscriminator(10, IMAGE, dropout=0.0, shift=0)
    plain.load_state_dict(shifting.state_dict())
    x = torch.randn(8, 1, 64, 64)
    # no dropout and the same batch statistics' rule on both sides: only the shift differs
    assert not torch.allclose(shifting.train()(x).logits, plain.train()(x).logits)


def test_deepen_after_adds_a_stride_1_convolution_with_batch_norm_and_dropout_after_the_named_strided_ones():
    assert strides(DCGAN().build_discriminator(10, IMAGE)) == [2, 2, 2, 1, 2, 1]  # at 8x8 and 4x4, as shipped
    assert strides(DCGANDiscriminator(10, IMAGE, deepen_after=())) == [2, 2, 2, 2]  # DCGAN's four
    one = DCGANDiscriminator(10, IMAGE, deepen_after=(0,), width=8, dropout=0.1)
    assert strides(one) == [2, 1, 2, 2, 2]
    added = list(one.trunk)[3:7]  # after the first strided convolution, its LeakyReLU and its dropout
    assert [type(m) for m in added] == [torch.nn.Conv2d, torch.nn.BatchNorm2d, torch.nn.LeakyReLU, torch.nn.Dropout]
    assert (added[0].in_channels, added[0].out_channels, added[0].kernel_size, added[3].p) == (8, 8, (3, 3), 0.1)
    assert one(torch.randn(2, 1, 64, 64)).features.shape == (2, 64)
