"""An exponential moving average of a network's weights, the classifier that is evaluated and shipped.

GAN training keeps the discriminator's weights moving; their average
classifies better than any single iterate. The decay warms up as
min(decay, (1 + n) / (10 + n)) after n updates, so a short run is not stuck
near the initial weights. Written here rather than with
torch.optim.swa_utils.AveragedModel because that class reads its update
counter on the host every step (a device synchronisation on CUDA) and has no
warm-up.
"""

from __future__ import annotations

import copy
from itertools import chain

import torch
from torch import nn


class WeightAverage:
    def __init__(self, source: nn.Module, decay: float):
        self.module = copy.deepcopy(source).requires_grad_(False)
        self.decay = decay
        self.updates = 0

    @torch.no_grad()
    def update(self, source: nn.Module) -> None:
        """Move the average towards ``source``'s current weights and buffers."""
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        ours = chain(self.module.parameters(), self.module.buffers())
        theirs = chain(source.parameters(), source.buffers())
        for average, current in zip(ours, theirs, strict=True):
            if average.is_floating_point():
                average.lerp_(current, 1 - decay)
            else:  # counters such as batch norm's num_batches_tracked
                average.copy_(current)
