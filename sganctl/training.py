"""The SGAN training loop.

Each iteration:
  1. D learns to classify a labelled batch (cross-entropy) and to tell an
     unlabelled real batch from a generated one (the plugin's unsupervised
     objective);
  2. G learns to fool D (non-saturating loss, feature matching, or both), on
     the same generated batch, so the generator runs forward once per step.

Data live on the training device as uint8 and batches are drawn by index
there; losses are summed on the device and read only at log and checkpoint
time, so the loop never waits on the host between steps.

A run can always be continued: every checkpoint holds the weights, the
optimiser states and the random generators' states, and SIGINT/SIGTERM end
the current step and write one before exiting.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import time
from collections.abc import Callable
from contextlib import closing, nullcontext
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel

from . import __version__, checkpoint, distributed, metrics_log, resume_state, settings
from . import objectives as obj
from .api import API_VERSION, DiscriminatorOutput, ImageSet
from .averaging import WeightAverage
from .config import TrainConfig, as_trained_then
from .console import TrainingProgress, info
from .contract import layer_digests, verify_shapes
from .data import split_run
from .distributed import Processes
from .errors import SganctlError, TrainingDiverged, TrainingInterrupted
from .evaluation import Evaluation, evaluate
from .files import read_json_object, write_json
from .plugins import DatasetRegistry, Registry
from .preprocess import NORMALISATION, image_spec_for, load_size, to_model_input
from .runs import CHECKPOINT_NAME, RESULT_NAME, create_run_dir, keep_finished, process_started, trainer_alive
from .sampling import generate, save_grid
from .stop_signals import stop_requests

METRICS = ("loss_d_sup", "loss_d_unsup", "loss_g", "acc_labeled")
SAMPLE_GRID = (8, 8)
RESUME_MAY_CHANGE = ("iterations", "device", "checkpoint_every", "log_every", "eval_every", "data_dir", "out",
                     "precision", "compile")
"""Settings a resumed run may change; any other one that differs is refused."""
NEVER = 2**62
"""Stands for 'no non-finite loss yet' when the processes compare their first bad iteration."""
PRECISIONS = dict(zip(settings.PRECISION_NAMES, (None, None, torch.bfloat16, torch.float16)))
"""--precision: its autocast dtype (None: fp32 arithmetic; tf32 lets CUDA tensor cores round fp32 inputs)."""
RAW_D_PREFIX = "state.discriminator"
"""With an EMA, the checkpoint's 'discriminator' is the average; the trained weights live here."""
EMA_COUNT = "state.ema.updates"


@dataclass
class TrainResult:
    run_dir: Path
    checkpoint: Path
    config: TrainConfig
    iterations: int
    seconds: float
    evaluation: Evaluation | None  # None on processes other than rank 0, which evaluate nothing
    rank: int = 0
    holdout: Evaluation | None = None  # accuracy on the --holdout images, when the run set some aside

    def to_dict(self) -> dict:
        return {
            "run_dir": str(self.run_dir),
            "checkpoint": str(self.checkpoint),
            "arch": self.config.arch,
            "dataset": self.config.dataset,
            "num_labeled": self.config.num_labeled,
            "iterations": self.iterations,
            "seconds": round(self.seconds, 3),
            "test_accuracy": self.evaluation.accuracy,
            "num_test": self.evaluation.num_test,
            **({"holdout_accuracy": self.holdout.accuracy, "num_holdout": self.holdout.num_test}
               if self.holdout else {}),
        }


def train(config: TrainConfig, registry: Registry | None = None, log: Callable = info) -> TrainResult:
    """Start a new run in a new run directory (``num_labeled`` wins over ``labeled_rate`` if both are set)."""
    registry = registry or Registry()
    cfg = config.with_recipe(registry.get(config.arch).recipe)
    return _run(cfg, registry, log)


def resume(run_dir: str | Path, overrides: dict | None = None, registry: Registry | None = None,
           log: Callable = info) -> TrainResult:
    """Continue a run from its checkpoint; ``overrides`` may only change RESUME_MAY_CHANGE."""
    run_dir = Path(run_dir)
    if not (run_dir / CHECKPOINT_NAME).is_file():
        raise SganctlError(f"cannot resume {run_dir}: it holds no {CHECKPOINT_NAME}; is it a run directory?")
    _refuse_if_still_training(run_dir)
    ckpt = checkpoint.load(run_dir / CHECKPOINT_NAME)
    if f"{resume_state.RNG_PREFIX}.cpu" not in ckpt.tensors:
        raise SganctlError(f"cannot resume {run_dir}: its checkpoint holds weights only, no training state")
    stored = ckpt.meta["config"]
    for key, value in (overrides or {}).items():
        if key not in RESUME_MAY_CHANGE and value is not None and value != stored.get(key):
            flag = settings.flag(key)
            raise SganctlError(
                f"cannot resume {run_dir} with {flag} {value}: the run used {stored.get(key)}; "
                f"drop {flag} or start a new run"
            )
    allowed = {k: v for k, v in (overrides or {}).items() if k in RESUME_MAY_CHANGE and v is not None}
    cfg = TrainConfig(**{**as_trained_then(stored), **allowed})
    cfg.betas_d, cfg.betas_g = tuple(cfg.betas_d), tuple(cfg.betas_g)
    done = ckpt.meta["iteration"]
    if cfg.iterations <= done:
        asked = (f"--iterations {cfg.iterations} is not more than the {done} it has trained" if "iterations" in allowed
                 else f"it has trained all {done} of its iterations")
        raise SganctlError(f"{run_dir}: {asked}; pass --iterations N with N > {done} to train further")
    return _run(cfg, registry or Registry(), log, resume_from=ckpt)


def _refuse_if_still_training(run_dir: Path) -> None:
    """Two processes training one run directory would overwrite each other's checkpoints.

    Only rank 0 asks: under torchrun it writes status.json, and the other ranks may read its fresh 'running'.
    """
    if distributed.from_environment().rank:
        return
    status = read_json_object(run_dir / "status.json")
    if trainer_alive(status):
        pid = status["pid"]
        raise SganctlError(f"cannot resume {run_dir}: process {pid} on this machine is still training it; "
                           f"wait for it to finish, or stop it (Ctrl-C, or kill -TERM {pid}) and resume then")


def _run(cfg: TrainConfig, registry: Registry, log: Callable, resume_from=None) -> TrainResult:
    """Train in this process, joining torchrun's process group first when there is one."""
    validate(cfg)
    processes = distributed.from_environment()
    device = distributed.process_device(cfg.device, processes)
    joined = distributed.join(processes, device)
    try:
        return _train(cfg, registry, log if processes.is_main else _quiet, resume_from, processes, device)
    finally:
        if joined:
            distributed.leave()


def _quiet(message: str) -> None:
    """The log of processes other than rank 0."""


def _train(cfg: TrainConfig, registry: Registry, log: Callable, resume_from, processes: Processes,
           device: torch.device) -> TrainResult:
    main = processes.is_main
    arch = registry.get(cfg.arch)
    dataset = DatasetRegistry().get(cfg.dataset)
    batch = distributed.split_batch(cfg.batch_size, processes, "--batch-size")
    labeled_batch = distributed.split_batch(cfg.labeled_batch_size, processes, "--labeled-batch-size")

    # Data: the labelled subset is fixed by the seed; every other training image is unlabelled.
    size = load_size(arch)
    if not main:  # rank 0 loads first: a download then happens once, and the others find the files
        distributed.barrier(processes)
    splits = dataset.load(cfg.data_dir, size, cfg.seed, log)
    if main:
        distributed.barrier(processes)
    for note in splits.notes:
        log(note)
    split = split_run(splits.train, cfg.num_labeled, cfg.labeled_rate, cfg.holdout, dataset.default_num_labeled,
                      cfg.seed)
    train_set, holdout_set, cfg.num_labeled = split.train, split.held_out, split.num_labeled
    labeled_idx, rest_idx = split.labeled, split.unlabeled
    spec = image_spec_for(arch, train_set.image_shape)
    labeled_x = train_set.images[labeled_idx].to(device)
    labeled_y = train_set.labels[labeled_idx].to(device)
    pool = [train_set.images[rest_idx]] + ([splits.unlabeled] if splits.unlabeled is not None else [])
    unlabeled_x = torch.cat(pool).to(device)
    if len(unlabeled_x) == 0:  # every image labelled and no others: their pixels serve as unlabelled too
        unlabeled_x = labeled_x
    test_set = splits.test

    # Networks and optimisers.
    torch.manual_seed(cfg.seed)
    generator = registry.build_generator(cfg.arch, cfg.z_dim, spec).to(device)
    discriminator = registry.build_discriminator(cfg.arch, train_set.num_classes, spec).to(device)
    origin = f"architecture '{cfg.arch}' from {registry.entries[cfg.arch].origin}"
    verify_shapes(origin, generator, discriminator, cfg.z_dim, train_set.num_classes, spec,
                  cfg.unsupervised == "two-head", device)
    layout = torch.channels_last if getattr(arch, "channels_last", False) else torch.contiguous_format
    generator.to(memory_format=layout)
    discriminator.to(memory_format=layout)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=cfg.lr_d, betas=cfg.betas_d, fused=True)
    opt_g = torch.optim.Adam(generator.parameters(), lr=cfg.lr_g, betas=cfg.betas_g, fused=True)
    # The classifier that is evaluated and shipped: D itself, or the moving average of its weights.
    ema = WeightAverage(discriminator, cfg.ema_decay) if cfg.ema_decay > 0 else None
    classifier = ema.module if ema is not None else discriminator
    # Same initial weights everywhere; batches and dropout differ per process.
    batch_gen = torch.Generator(device=device).manual_seed(_process_seed(cfg.seed, processes.rank))
    if processes.rank:
        torch.manual_seed(_process_seed(cfg.seed, processes.rank))
    amp_dtype = PRECISIONS[cfg.precision]
    autocast = torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None)
    scaler_d = torch.amp.GradScaler(device.type, enabled=cfg.precision == "fp16")
    scaler_g = torch.amp.GradScaler(device.type, enabled=cfg.precision == "fp16")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed shapes every step: let cuDNN pick its fastest kernels
        # "32" is strict fp32; the reduced precisions also let fp32 leftovers use TF32 tensor cores.
        tf32 = cfg.precision != "32"
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
    elif cfg.precision == "tf32":
        raise SganctlError("--precision tf32 is a mode of NVIDIA tensor cores (CUDA only); use 32 on this device")
    # The loop calls wrapped modules (DDP, compiled); weights are saved from (and shared with) the originals.
    run_g, run_d, run_d_frozen = _wrap(generator, discriminator, cfg.compile, processes, device)
    # One forward over labelled + unlabelled + generated images, unless D has batch statistics
    # (batch norm), whose recipe sees each kind of batch on its own.
    joint_forward = not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in discriminator.modules())

    entry = registry.entries[cfg.arch]
    meta = {
        "sganctl_version": __version__,
        "arch": cfg.arch,
        "plugin": {"name": cfg.arch, "package": entry.package, "version": entry.version, "api_version": API_VERSION,
                   "layers": layer_digests(generator, discriminator)},
        "dataset": cfg.dataset,
        "num_classes": train_set.num_classes,
        "class_names": train_set.classes,
        "data_shape": list(train_set.image_shape),
        "image_spec": {"channels": spec.channels, "height": spec.height, "width": spec.width},
        "normalisation": NORMALISATION,
        "config": cfg.to_dict(),
        "device": str(device),
        "world_size": processes.world_size,
    }
    trained_seconds = 0.0  # training time before this process: a resumed run's clock goes on from it
    if resume_from is None:
        start, run_dir = 0, None
        if main:
            label = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{cfg.arch}-{cfg.dataset}-{cfg.num_labeled}")
            run_dir = create_run_dir(Path(cfg.out), label)
            write_json(run_dir / "config.json", meta)
    else:
        start, run_dir = resume_from.meta["iteration"], resume_from.path.parent
        trained_seconds = float(resume_from.meta.get("seconds", 0.0))  # absent from checkpoints before it was kept
        _restore(resume_from, generator, discriminator, ema, opt_d, opt_g, batch_gen, device)
        if processes.rank:  # the checkpoint holds rank 0's random states; the others draw anew
            torch.manual_seed(_process_seed(cfg.seed + start, processes.rank))
            batch_gen.manual_seed(_process_seed(cfg.seed + start, processes.rank))
        for name, scaler in (("d", scaler_d), ("g", scaler_g)):
            if scaler.is_enabled() and name in resume_from.meta.get("scalers", {}):
                scaler.load_state_dict(resume_from.meta["scalers"][name])
        if main:
            write_json(run_dir / "config.json", {**meta, "resumed_at": start})
            kept = keep_finished(run_dir, start)
            if kept:
                log(f"kept the finished run's {CHECKPOINT_NAME} and {RESULT_NAME} as {' and '.join(kept)}: "
                    "this resume replaces them")
            set_aside = metrics_log.set_aside_after(run_dir, start)
            if set_aside:
                log(f"moved {set_aside} lines of {metrics_log.METRICS_NAME} logged after the checkpoint's iteration "
                    f"{start} to {metrics_log.SET_ASIDE_NAME}: this resume trains those iterations again")
        log(f"resuming at iteration {start}")
        for note in _changed_layers(resume_from.meta.get("plugin", {}), meta["plugin"]):
            log(note)
    log(f"run directory: {run_dir}")
    log(
        f"{cfg.arch} on {cfg.dataset}: {len(labeled_idx)} labelled, {len(unlabeled_x)} unlabelled, "
        + (f"{len(holdout_set)} held out, " if holdout_set else "")
        + f"{cfg.iterations} iterations, batch {cfg.batch_size}, device {device}"
        + (f", {processes.world_size} processes of batch {batch}" if processes.distributed else "")
    )

    def save_checkpoint(iteration: int) -> None:
        """Weights plus everything a resume needs, then a sample grid; refuses non-finite weights.

        Every process checks the weights (they are the same everywhere); rank 0 alone writes.
        """
        networks = {"generator": generator, "discriminator": classifier}
        if not all(torch.isfinite(p).all() for m in (generator, discriminator, classifier) for p in m.parameters()):
            raise _diverged(run_dir, iteration, "weights")
        if not main:
            return
        extra, optim_meta = {}, {}
        if ema is not None:  # the raw weights go on training after a resume
            extra.update({f"{RAW_D_PREFIX}.{k}": v.detach().to("cpu").contiguous()
                          for k, v in discriminator.state_dict().items()})
            extra[EMA_COUNT] = torch.tensor(ema.updates)
        for name, optimizer in (("d", opt_d), ("g", opt_g)):
            tensors, optim_meta[name] = resume_state.optimizer_tensors(name, optimizer)
            extra.update(tensors)
        extra.update(resume_state.rng_tensors(batch_gen))
        scalers = {name: sc.state_dict() for name, sc in (("d", scaler_d), ("g", scaler_g)) if sc.is_enabled()}
        checkpoint.save(run_dir / CHECKPOINT_NAME, networks,
                        {**meta, "iteration": iteration, "seconds": round(time.perf_counter() - started, 3),
                         "optimizers": optim_meta, "scalers": scalers}, extra)
        if not cfg.supervised_only:  # an untrained generator draws nothing worth keeping
            rows, cols = SAMPLE_GRID
            pixels = generate(generator, rows * cols, cfg.z_dim, cfg.seed, device)
            save_grid(pixels, rows, cols, run_dir / "samples" / f"iter-{iteration:06d}.png")
        _status(run_dir, "running", iteration)

    next_labeled = _sampler(len(labeled_x), labeled_batch, device, batch_gen)
    next_unlabeled = _sampler(len(unlabeled_x), batch, device, batch_gen)
    metric_sums = torch.zeros(len(METRICS), device=device)
    first_bad = torch.zeros((), dtype=torch.long, device=device)  # first iteration with a non-finite loss
    steps_in_sum = 0
    measured = None  # (iteration, test, held-out) Evaluations of the latest --eval-every measurement

    def measure() -> tuple[Evaluation, Evaluation | None]:
        """Accuracy on the test set and, when the run set images aside, on those."""
        def on(images: ImageSet) -> Evaluation:
            return evaluate(classifier, images.images, images.labels, spec, images.classes, device)
        return on(test_set), on(holdout_set) if holdout_set else None

    started = time.perf_counter() - trained_seconds  # seconds count training, not the pause before a resume
    _status(run_dir, "running", start)
    try:
        with (
            open(run_dir / metrics_log.METRICS_NAME, "a", buffering=1) if main else nullcontext() as metrics_file,
            closing(TrainingProgress(cfg.iterations, start, enabled=main)) as progress,
            stop_requests() as stop,
        ):
            for iteration in range(start + 1, cfg.iterations + 1):
                if cfg.lr_decay_start < 1:
                    _set_learning_rates(cfg, iteration, opt_d, opt_g)
                idx = next_labeled()
                x_lab, y_lab = to_model_input(labeled_x[idx], spec).contiguous(memory_format=layout), labeled_y[idx]
                if cfg.supervised_only:  # the baseline: the same discriminator on the labelled images alone
                    with autocast:
                        out_lab = run_d(x_lab)
                        loss_sup = obj.supervised_loss(out_lab, y_lab)
                    opt_d.zero_grad(set_to_none=True)
                    scaler_d.scale(loss_sup).backward()
                    scaler_d.step(opt_d)
                    scaler_d.update()
                    loss_unsup = loss_g = torch.zeros((), device=device)
                else:
                    x_unl = to_model_input(unlabeled_x[next_unlabeled()], spec).contiguous(memory_format=layout)
                    z = torch.randn(batch, cfg.z_dim, device=device, generator=batch_gen)
                    with autocast:
                        fake = run_g(z)

                        # 1. Discriminator: supervised + unsupervised.
                        if joint_forward:
                            out = run_d(torch.cat([x_lab, x_unl, fake.detach()]).contiguous(memory_format=layout))
                            out_lab, out_unl, out_fake = _split(out, (len(x_lab), len(x_unl), len(fake)))
                        else:
                            out_lab, out_unl, out_fake = run_d(x_lab), run_d(x_unl), run_d(fake.detach())
                        loss_sup = obj.supervised_loss(out_lab, y_lab)
                        loss_unsup = cfg.unsupervised_weight * obj.discriminator_unsupervised_loss(
                            out_unl, out_fake, cfg.unsupervised)
                        if cfg.consistency:  # the weight average, in training mode, is the teacher
                            with torch.no_grad():
                                teacher = ema.module(x_unl)
                            weight = obj.consistency_weight(cfg.consistency, iteration, cfg.iterations,
                                                            cfg.consistency_rampup)
                            loss_unsup = loss_unsup + weight * obj.consistency_loss(out_unl, teacher)
                    opt_d.zero_grad(set_to_none=True)
                    scaler_d.scale(loss_sup + loss_unsup).backward()
                    scaler_d.step(opt_d)
                    scaler_d.update()

                    # 2. Generator, through a discriminator whose weights need no gradients.
                    discriminator.requires_grad_(False)
                    with autocast:
                        out_gen = run_d_frozen(fake)
                        loss_g = obj.generator_loss(out_gen, out_unl.features, cfg.unsupervised, cfg.generator_loss)
                    opt_g.zero_grad(set_to_none=True)
                    scaler_g.scale(loss_g).backward()
                    scaler_g.step(opt_g)
                    scaler_g.update()
                    discriminator.requires_grad_(True)
                if ema is not None:  # D's weights changed in its step alone
                    ema.update(discriminator)

                with torch.no_grad():
                    acc = (out_lab.logits.argmax(1) == y_lab).float().mean()
                    losses = torch.stack([loss_sup.detach(), loss_unsup.detach(), loss_g.detach()])
                    metric_sums += torch.cat([losses, acc.view(1)])
                    bad_now = (first_bad == 0) & ~torch.isfinite(losses).all()
                    first_bad = torch.where(bad_now, torch.full_like(first_bad, iteration), first_bad)
                steps_in_sum += 1
                progress.step(iteration)

                last = iteration == cfg.iterations
                # the stop request is read once per iteration: a signal landing after this is acted on at the next
                # one, so the checkpoint it asks for is written before "checkpoint saved" is said
                stopping = stop.signal_number
                if processes.distributed:  # a signal that reached any process stops them all, together
                    stopping = distributed.largest(stopping or 0, processes, device) or None
                evaluating = bool(cfg.eval_every) and iteration % cfg.eval_every == 0  # monitoring, not selection
                logging = iteration % cfg.log_every == 0 or last or evaluating  # a measurement gets its own line
                checkpointing = iteration % cfg.checkpoint_every == 0 or last or stopping
                if logging or checkpointing:
                    bad = distributed.minimum(torch.where(first_bad > 0, first_bad, NEVER), processes)
                    if int(bad) != NEVER:
                        raise _diverged(run_dir, int(bad), "losses")
                if logging:
                    sums = distributed.mean(metric_sums.clone(), processes)
                    means = dict(zip(METRICS, (sums / steps_in_sum).tolist()))
                    record = {"iteration": iteration, **means, "seconds": round(time.perf_counter() - started, 3)}
                    shown = {}
                    if main and evaluating:
                        measured = iteration, *measure()
                        record["test_accuracy"] = shown["test"] = measured[1].accuracy
                        if measured[2]:
                            record["holdout_accuracy"] = shown["held-out"] = measured[2].accuracy
                        classifier.train()
                    if main:
                        metrics_file.write(json.dumps(record) + "\n")
                    progress.report(iteration, means, shown)
                    metric_sums.zero_()
                    steps_in_sum = 0
                if checkpointing:
                    save_checkpoint(iteration)
                if stopping and not last:
                    _status(run_dir, "interrupted", iteration)
                    raise TrainingInterrupted(
                        f"interrupted by {signal.Signals(stopping).name} at iteration {iteration}; checkpoint saved; "
                        f"resume with: sganctl train --resume {run_dir}",
                        stopping,
                    )
        seconds = time.perf_counter() - started
        result = held = None
        if main:
            # the last monitoring measurement, when it was of these final weights, is the result
            result, held = measured[1:] if measured and measured[0] == cfg.iterations else measure()
            write_json(run_dir / RESULT_NAME, {"iterations": cfg.iterations, "seconds": seconds, **result.to_dict(),
                                                 **({"holdout": held.to_dict()} if held else {})})
            _status(run_dir, "completed", cfg.iterations)
        distributed.barrier(processes)  # the others wait until the run is complete on disk
    except SganctlError as exc:
        if not isinstance(exc, (TrainingDiverged, TrainingInterrupted)):
            _status(run_dir, "failed", None, str(exc))
        raise
    finally:
        if main:
            _write_curves(run_dir, log)
    return TrainResult(run_dir, run_dir and run_dir / CHECKPOINT_NAME, cfg, cfg.iterations, seconds, result,
                       processes.rank, held)


def _process_seed(seed: int, rank: int) -> int:
    """Rank 0 keeps the user's seed (a 1-process run is the plain run); the others get their own."""
    return seed + (rank << 32)


def _compiler_missing(device: torch.device) -> str | None:
    """What torch.compile's default backend (Inductor) lacks on this device, if anything."""
    import importlib.util
    import os
    import shutil

    if device.type == "cuda":
        return None if importlib.util.find_spec("triton") else "the triton package (pip install triton)"
    compilers = [os.environ.get("CXX"), "g++", "clang++", "c++"]
    return None if any(c and shutil.which(c) for c in compilers) else "a C++ compiler (g++ or clang++, or set CXX)"


def _wrap(generator, discriminator, compile_: bool, processes: Processes, device: torch.device):
    """(G, D for its own step, D for G's step): DDP-wrapped when distributed, compiled on request.

    G's step runs through the bare D: its weights need no gradients there, and DDP would
    wait for gradients that never come.
    """
    run_g, run_d, run_d_frozen = generator, discriminator, discriminator
    if processes.distributed:
        ids = [device.index] if device.type == "cuda" else None
        run_g = DistributedDataParallel(generator, device_ids=ids)
        run_d = DistributedDataParallel(discriminator, device_ids=ids)
    if compile_:
        missing = _compiler_missing(device)
        if missing:
            raise SganctlError(f"--compile on {device.type} needs {missing}; install it or drop --compile")
        run_g, run_d = torch.compile(run_g), torch.compile(run_d)
        run_d_frozen = torch.compile(discriminator) if processes.distributed else run_d
    return run_g, run_d, run_d_frozen


def _split(out: DiscriminatorOutput, sizes: tuple[int, ...]) -> list[DiscriminatorOutput]:
    """One joint forward's output cut back into the batches it was made of."""
    parts = [t.split(sizes) if t is not None else [None] * len(sizes) for t in out]
    return [DiscriminatorOutput(*fields) for fields in zip(*parts)]


def _write_curves(run_dir: Path, log: Callable) -> None:
    """curves.png, whatever way the run ended; a failure here must not hide the run's own outcome."""
    try:
        from .plots import plot_runs  # matplotlib only when a run ends; a broken install of it is caught too

        plot_runs([run_dir], run_dir / "curves.png")
    except Exception as exc:  # noqa: BLE001 - a missing picture is worth a warning, not a lost run
        log(f"could not draw {run_dir / 'curves.png'}: {exc}")


def _sampler(size: int, batch: int, device: torch.device, gen: torch.Generator) -> Callable:
    """Random indices into a pool of ``size``, drawn on the device."""
    return lambda: torch.randint(size, (batch,), device=device, generator=gen)


def _set_learning_rates(cfg: TrainConfig, iteration: int, opt_d, opt_g) -> None:
    """Constant rates until lr_decay_start of the run, then a linear decay that reaches 0 at the end."""
    begin = cfg.lr_decay_start * cfg.iterations
    factor = 1.0 if iteration <= begin else max(0.0, (cfg.iterations - iteration + 1) / (cfg.iterations - begin + 1))
    for optimizer, base in ((opt_d, cfg.lr_d), (opt_g, cfg.lr_g)):
        for group in optimizer.param_groups:
            group["lr"] = base * factor


def _changed_layers(then: dict, now: dict) -> list[str]:
    """Warnings for networks the plugin now builds otherwise than when the run started.

    The weights load strictly, so only a change without weights gets this far (a random shift, a dropout rate):
    the run goes on with the installed layers, and says so rather than mixing two recipes silently.
    """
    recorded = then.get("layers") or {}  # runs from before sganctl recorded the layers have nothing to compare
    versions = f"{now['package']} {then.get('version')} then, {now['version']} now"
    return [f"warning: {now['name']}'s {network} is not built as it was when this run started (its printed layers "
            f"differ; {versions}); the run goes on with the installed one"
            for network, digest in recorded.items() if now["layers"].get(network) != digest]


def _restore(ckpt, generator, discriminator, ema, opt_d, opt_g, batch_gen, device) -> None:
    """Load weights, optimiser and RNG states from a checkpoint into freshly built objects."""
    checkpoint.load_weights(ckpt, "generator", generator)
    if ema is None:
        checkpoint.load_weights(ckpt, "discriminator", discriminator)
    else:
        if EMA_COUNT not in ckpt.tensors:
            raise SganctlError(f"cannot resume {ckpt.path.parent} with an EMA of D: the run kept none; "
                               "pass --ema-decay 0 or start a new run")
        checkpoint.load_weights(ckpt, RAW_D_PREFIX, discriminator)
        checkpoint.load_weights(ckpt, "discriminator", ema.module)
        ema.updates = int(ckpt.tensors[EMA_COUNT])
    optimizers = ckpt.meta["optimizers"]
    resume_state.restore_optimizer("d", opt_d, ckpt.tensors, optimizers["d"])
    resume_state.restore_optimizer("g", opt_g, ckpt.tensors, optimizers["g"])
    same_device = ckpt.meta.get("device", "").split(":")[0] == device.type
    resume_state.restore_rng(ckpt.tensors, batch_gen, same_device)


def _status(run_dir: Path | None, state: str, iteration: int | None, message: str = "") -> None:
    """status.json says what became of the run: running (and which process), completed, interrupted, diverged, failed.

    Processes other than rank 0 have no run directory and write nothing.
    """
    if run_dir is None:
        return
    record = {"state": state, "iteration": iteration, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if state == "running":  # so that `sganctl runs` can tell a run killed without a word from a live one
        record.update(pid=os.getpid(), host=socket.gethostname(), started=process_started(os.getpid()))
    if message:
        record["message"] = message
    try:
        write_json(run_dir / "status.json", record)
    except SganctlError:
        if state == "running":
            raise  # the disk problem will be reported by the caller; final states are best effort


def _diverged(run_dir: Path, iteration: int, what: str) -> TrainingDiverged:
    message = (
        f"training diverged: non-finite {what} at iteration {iteration}; the last good checkpoint "
        f"in {run_dir} is kept; try lower learning rates (--lr-d, --lr-g) or another seed"
    )
    _status(run_dir, "diverged", iteration, message)
    return TrainingDiverged(message)


def validate(cfg: TrainConfig) -> None:
    """Every resolved setting (plugin defaults included) against its rule, then the ones that depend on another."""
    for name, value in cfg.to_dict().items():
        wrong = settings.problem(name, value)
        if wrong:
            raise SganctlError(f"{settings.flag(name)} {wrong}")
    if cfg.consistency and not cfg.ema_decay:
        raise SganctlError("--consistency needs a weight average to act as teacher: give --ema-decay > 0 "
                           "(for example 0.999) or --consistency 0")
