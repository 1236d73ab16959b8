"""Shared command line of the recipe experiments: train one unpackaged variant, print its curves as JSON.

Each experiment script (mlp_trunk.py, mlp_recipe.py, compact_variants.py,
dcgan_variants.py) holds a dict of variants, Architecture subclasses
importable as ``SCRIPT:NAME``, and calls :func:`main` with it. Variants are
compared on ``holdout_accuracy``: 10,000 training images set aside
(``--holdout``), so that choosing between them never looks at the test set;
the test accuracy is printed for the record.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sganctl.config import TrainConfig
from sganctl.training import PRECISIONS, train


def recipe_variant(architecture: type, **overrides) -> type:
    """A subclass of ``architecture`` with the same networks and these recipe fields changed."""
    return type(architecture.__name__, (architecture,), {"recipe": replace(architecture.recipe, **overrides)})


def main(script: str, variants: dict, doc: str, num_labeled: int = 100, default_iterations: int = 5000) -> None:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variant", choices=sorted(variants))
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--iterations", type=int, default=default_iterations)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num-labeled", type=int, default=num_labeled,
                        help=f"labelled images, class-balanced (default: {num_labeled})")
    parser.add_argument("--lr", type=float, default=None, help="both learning rates (default: the variant's recipe)")
    parser.add_argument("--batch", type=int, default=None, help="both batch sizes (default: the variant's recipe)")
    parser.add_argument("--device", default="cpu", help="where to train (default: cpu, where the rows were measured)")
    parser.add_argument("--precision", default=TrainConfig.precision, choices=list(PRECISIONS),
                        help="sganctl's --precision (default: strict fp32)")
    parser.add_argument("--holdout", type=int, default=10_000,
                        help="training images set aside to compare variants on (default: 10,000)")
    parser.add_argument("--supervised-only", action="store_true",
                        help="the variant's discriminator on its labels alone: what its network reaches without the GAN")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(script).parent))
    arch = f"{Path(script).stem}:{args.variant}"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        result = train(TrainConfig(arch=arch, num_labeled=args.num_labeled, seed=args.seed, iterations=args.iterations,
                                   device=args.device, precision=args.precision, data_dir=args.data_dir, out=out,
                                   checkpoint_every=10**9,
                                   log_every=500, eval_every=1000, lr_d=args.lr, lr_g=args.lr,
                                   batch_size=args.batch, labeled_batch_size=args.batch, holdout=args.holdout,
                                   supervised_only=args.supervised_only),
                       log=lambda message: None)
        records = [json.loads(line) for line in (result.run_dir / "metrics.jsonl").read_text().splitlines()]

    def curve(key: str) -> list:
        return [[r["iteration"], r[key]] for r in records if key in r]

    print(json.dumps({"variant": args.variant, "iterations": args.iterations, "seed": args.seed,
                      "num_labeled": result.config.num_labeled,
                      "supervised_only": result.config.supervised_only,
                      "holdout": args.holdout, "holdout_accuracy": result.holdout and result.holdout.accuracy,
                      "test_accuracy": result.evaluation.accuracy, "seconds": round(time.perf_counter() - started),
                      "device": str(result.config.device), "precision": args.precision,
                      "holdout_curve": curve("holdout_accuracy"), "test_curve": curve("test_accuracy")}))
