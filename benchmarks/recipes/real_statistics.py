"""Does a run's classifier lose accuracy to generated images in its batch-norm statistics? (BENCHMARKS.md)

    python benchmarks/recipes/real_statistics.py RUN_DIR_OR_CHECKPOINT --data-dir ../shared/data [--batches 150]

A discriminator with batch norm (`dcgan`) sees batches of generated images
in training mode, and each folds its statistics into the running mean and
variance that evaluation normalises with. This prints the held-out (the
run's ``--holdout`` images) and test accuracy of the run's classifier twice:
with the statistics as trained, and with them recomputed on real training
images alone (``torch.optim.swa_utils.update_bn``, in training mode and in
batches of the run's own size, as training computes them). The weights are
the same both times.
"""

from __future__ import annotations

import argparse
import json

import torch
from torch.optim.swa_utils import update_bn

from sganctl import checkpoint
from sganctl.data import hold_out
from sganctl.evaluation import evaluate
from sganctl.plugins import DatasetRegistry, Registry
from sganctl.preprocess import to_model_input
from sganctl.runs import resolve_checkpoint


def accuracies(target: str, data_dir: str, batches: int = 150, seed: int = 0) -> dict:
    """Held-out and test accuracy with the stored statistics, then with statistics of real images."""
    ckpt = checkpoint.load(resolve_checkpoint(target))
    config, spec = ckpt.meta["config"], ckpt.image_spec
    classifier = checkpoint.rebuild(ckpt, "discriminator", Registry())
    shape = ckpt.meta["data_shape"]
    splits = DatasetRegistry().get(ckpt.meta["dataset"]).load(data_dir, (shape[1], shape[2]), config["seed"],
                                                              lambda message: None)
    train_set, held = splits.train, None
    if config.get("holdout"):  # the very images the run's training set aside
        held_idx, kept = hold_out(train_set.labels, config["holdout"], train_set.num_classes)
        held, train_set = train_set.subset(held_idx), train_set.subset(kept)
    cpu = torch.device("cpu")

    def measure() -> dict:
        on = {"test": splits.test} | ({"held out": held} if held else {})
        return {name: evaluate(classifier, images.images, images.labels, spec, ckpt.class_names, cpu).accuracy
                for name, images in on.items()}

    stored = measure()
    batch = config["batch_size"]  # batch statistics depend on the batch size; use the one the run trained with
    order = torch.randperm(len(train_set), generator=torch.Generator().manual_seed(seed))[: batches * batch]
    update_bn([to_model_input(train_set.images[order[i : i + batch]], spec) for i in range(0, len(order), batch)],
              classifier)
    return {"checkpoint": str(ckpt.path), "iteration": ckpt.meta.get("iteration"), "as trained": stored,
            "real images only": measure(), "real images": len(order), "batch": batch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="a run directory or checkpoint file")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--batches", type=int, default=150, help="batches of real images, each of the run's batch size (default: 150)")
    args = parser.parse_args()
    print(json.dumps(accuracies(args.run, args.data_dir, args.batches)))


if __name__ == "__main__":
    main()
