"""Training throughput: sganctl's loop against a plain PyTorch loop of the same networks.

    python benchmarks/throughput.py --data-dir ../shared/data [--device cpu] [--archs mlp,compact]
        [--iterations 60] [--warmup 10] [--precision 32] [--compile] [--out benchmarks/throughput.json]

sganctl's side runs the real `train()` (labelled and unlabelled batches, the
plugin's objectives, its checkpoint at the end) and is timed from its own
metrics log between the end of the warm-up and the last iteration. The plain
side is the loop a tutorial reader writes: float data in DataLoaders, a fresh
generator forward for the generator step, gradients for the discriminator's
weights in that step too, and `.item()` on every loss every step; where the
recipe has the mean-teacher loss, it keeps the moving average that is the
teacher (sganctl's `WeightAverage`, as the real loop does; otherwise it keeps
no average). Both use
the plugin's default batch sizes and fp32 unless --precision says otherwise.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from results_file import merge_rows, same_key
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.flop_counter import FlopCounterMode

from sganctl import __version__, objectives
from sganctl.averaging import WeightAverage
from sganctl.config import TrainConfig
from sganctl.devices import resolve_device
from sganctl.plugins import DatasetRegistry, Registry
from sganctl.preprocess import image_spec_for
from sganctl.training import train


def sganctl_rate(arch: str, args, device) -> float:
    with tempfile.TemporaryDirectory() as out:
        config = TrainConfig(arch=arch, num_labeled=100, iterations=args.warmup + args.iterations,
                             log_every=args.warmup if args.iterations % args.warmup == 0 else 1,
                             checkpoint_every=10**9, device=str(device), data_dir=args.data_dir, out=out,
                             precision=args.precision, compile=args.compile)
        result = train(config, log=lambda message: None)
        records = [json.loads(line) for line in (result.run_dir / "metrics.jsonl").read_text().splitlines()]
    seconds = {r["iteration"]: r["seconds"] for r in records}
    return args.iterations / (seconds[args.warmup + args.iterations] - seconds[args.warmup])


def sganctl_flops(arch: str, args, device) -> float:
    """Floating-point operations of one iteration of the real `train()`.

    Two short runs count everything (set-up and the final test included);
    their difference is made of training iterations alone.
    """
    def count(iterations: int) -> int:
        with tempfile.TemporaryDirectory() as out, FlopCounterMode(display=False) as counter:
            train(TrainConfig(arch=arch, num_labeled=100, iterations=iterations, log_every=iterations,
                              checkpoint_every=10**9, device=str(device), data_dir=args.data_dir, out=out,
                              precision=args.precision), log=lambda message: None)
        return counter.get_total_flops()

    return (count(4) - count(2)) / 2


def plain_step(arch_name: str, args, device) -> Callable:
    """One iteration of the straightforward loop, written as a tutorial would."""
    arch = Registry().get(arch_name)
    recipe = arch.recipe
    data = DatasetRegistry().get("mnist").load(args.data_dir).train
    spec = image_spec_for(arch, data.image_shape)
    torch.manual_seed(0)
    generator = arch.build_generator(recipe.z_dim, spec).to(device)
    discriminator = arch.build_discriminator(10, spec).to(device)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=recipe.lr_d, betas=recipe.betas_d)
    opt_g = torch.optim.Adam(generator.parameters(), lr=recipe.lr_g, betas=recipe.betas_g)
    images = data.images.float() / 127.5 - 1
    labeled = TensorDataset(images[:100], data.labels[:100])
    unlabeled = TensorDataset(images[100:])
    batch = recipe.batch_size
    labeled_loader = DataLoader(labeled, batch_size=recipe.labeled_batch_size or batch, shuffle=True)
    unlabeled_loader = DataLoader(unlabeled, batch_size=batch, shuffle=True, drop_last=True)

    def forever(loader):
        while True:
            yield from loader

    labeled_batches, unlabeled_batches = forever(labeled_loader), forever(unlabeled_loader)
    # a recipe with the mean-teacher loss needs its teacher, the moving average, which the loop then keeps too
    teacher = WeightAverage(discriminator, recipe.ema_decay) if recipe.consistency else None

    def resize(x):
        if tuple(x.shape[2:]) != (spec.height, spec.width):
            x = F.interpolate(x, size=(spec.height, spec.width), mode="bilinear", align_corners=False)
        return x.expand(-1, spec.channels, -1, -1)

    def step():
        x_lab, y_lab = next(labeled_batches)
        (x_unl,) = next(unlabeled_batches)
        x_lab, y_lab, x_unl = resize(x_lab.to(device)), y_lab.to(device), resize(x_unl.to(device))
        fake = generator(torch.randn(batch, recipe.z_dim, device=device))
        out_lab, out_unl, out_fake = discriminator(x_lab), discriminator(x_unl), discriminator(fake.detach())
        loss_d = objectives.supervised_loss(out_lab, y_lab) + objectives.discriminator_unsupervised_loss(
            out_unl, out_fake, recipe.unsupervised)
        if teacher is not None:
            with torch.no_grad():
                target = teacher.module(x_unl)
            loss_d = loss_d + recipe.consistency * objectives.consistency_loss(out_unl, target)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        if teacher is not None:
            teacher.update(discriminator)
        fake = generator(torch.randn(batch, recipe.z_dim, device=device))
        loss_g = objectives.generator_loss(discriminator(fake), discriminator(x_unl).features,
                                           recipe.unsupervised, recipe.generator_loss)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return loss_d.item(), loss_g.item()

    return step


def plain_rate(step: Callable, args, device) -> float:
    for _ in range(args.warmup):
        step()
    _sync(device)
    start = time.perf_counter()
    for _ in range(args.iterations):
        step()
    _sync(device)
    return args.iterations / (time.perf_counter() - start)


def flops_of(step: Callable) -> int:
    with FlopCounterMode(display=False) as counter:
        step()
    return counter.get_total_flops()


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--archs", default="mlp,compact")
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--precision", default="32", choices=["32", "tf32", "bf16", "fp16"])
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--out", default="benchmarks/throughput.json")
    args = parser.parse_args()
    device = resolve_device(args.device)
    rows = []
    for arch in args.archs.split(","):
        batch = Registry().get(arch).recipe.batch_size
        step = plain_step(arch, args, device)
        ours, plain = sganctl_rate(arch, args, device), plain_rate(step, args, device)
        ours_flops, plain_flops = sganctl_flops(arch, args, device), flops_of(step)
        row = {"arch": arch, "device": str(device), "precision": args.precision, "compile": args.compile,
               "batch_size": batch, "sganctl_it_s": round(ours, 2), "plain_it_s": round(plain, 2),
               "sganctl_images_s": round(ours * batch, 1), "plain_images_s": round(plain * batch, 1),
               "ratio": round(ours / plain, 2),
               "sganctl_gflop_per_it": round(ours_flops / 1e9, 3), "plain_gflop_per_it": round(plain_flops / 1e9, 3),
               "flop_ratio": round(plain_flops / ours_flops, 2), "iterations": args.iterations, "warmup": args.warmup,
               "torch": torch.__version__, "sganctl": __version__, "threads": torch.get_num_threads()}
        rows.append(row)
        print(json.dumps(row))
    # a row measured again (same arch, device, precision and compile) replaces the old one
    merge_rows(Path(args.out), rows, same_key(lambda r: (r["arch"], r["device"], r["precision"], r["compile"])))


if __name__ == "__main__":
    main()
