"""The `dcgan` plugin's discriminator: its random shift acts in training only and leaves checkpoints as they were."""

import torch
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
