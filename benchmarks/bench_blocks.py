"""Train a small residual CNN with batch norm (chapter 7's blocks) with convcourse and torch.

The network is :func:`convcourse.blocks.small_resnet` (a stem, two basic blocks with
batch norm, global average pooling, a linear layer: 5,090 parameters), trained on
the digits at random positions on a 16x16 canvas
(:func:`convcourse.canvas.load_canvas_digits`) with SGD (momentum 0.9, weight decay
5e-4), batches of 32, for two epochs (72 steps). Both start from the same weights (the
torch twin's are copied from ours) and see the same minibatches in the same order.
Printed:

* the training time of each, on one thread each (torch and numpy's BLAS,
  :func:`convcourse.reference.single_threaded`), timed by
  :func:`convcourse.timing.time_interleaved` (interleaved rounds whose order rotates,
  median and best), in float64 and float32, and the ratio convcourse / torch: in
  wall-clock time, what a user waits for, and in CPU time (``time.process_time``),
  which a busy machine disturbs less (a process waiting for a core uses none);
* in float64, how far the two runs drift apart (the largest relative gap between their
  losses, the parameters and running statistics at the end) and whether their
  evaluation-mode predictions on the validation canvases are identical;
* where convcourse's time goes: the CPU seconds spent in each kind of layer's forward and
  backward pass (every layer's own time, containers excluded), and the rest (the loss,
  the optimiser, minibatches and Python overhead), over one training run.

Nothing is asserted: timings depend on the machine and on what else runs on it (the
step-for-step agreement is asserted in ``tests/test_blocks.py``). Run with
``python benchmarks/bench_blocks.py`` (about a minute on a quiet 2-core machine).
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
import torch

from convcourse import SGD, canvas, reference, rel_error
from convcourse.blocks import small_resnet
from convcourse.modes import HasModes
from convcourse.network import Sequential
from convcourse.timing import time_interleaved
from convcourse.training import fit, predict

CHANNELS, CANVAS, BATCH, EPOCHS = (8, 16), 16, 32, 2
LR, MOMENTUM, WEIGHT_DECAY = 0.05, 0.9, 5e-4
INIT_SEED, BATCH_SEED = 0, 1
ROUNDS = 5


def network(dtype: str) -> Sequential:
    net = small_resnet(CHANNELS, rng=INIT_SEED, implementation="fast")
    return net if dtype == "float64" else cast(net, dtype)


def cast(net: Sequential, dtype: str) -> Sequential:
    """The same network with every parameter and running statistic in ``dtype``."""
    for layer in leaves(net):
        for name in ("weight", "bias", "running_mean", "running_var"):
            if getattr(layer, name, None) is not None:
                setattr(layer, name, getattr(layer, name).astype(dtype))
    return net


def leaves(layer) -> list:
    """The layers that compute (not the containers), in order."""
    if isinstance(layer, HasModes) and layer.named_layers():
        return [leaf for _, inner in layer.named_layers() for leaf in leaves(inner)]
    return [layer]


def train_ours(data: canvas.CanvasDigits, dtype: str) -> tuple[Sequential, list[float]]:
    net = network(dtype)
    losses = fit(net, SGD(net, LR, MOMENTUM, WEIGHT_DECAY), data.x_train, data.y_train, EPOCHS,
                 BATCH, rng=BATCH_SEED)
    return net, losses


def train_torch(data: canvas.CanvasDigits, dtype: str) -> tuple[torch.nn.Module, list[float]]:
    twin = reference.torch_twin(network(dtype))
    losses = reference.fit(twin, reference.sgd(twin, LR, MOMENTUM, WEIGHT_DECAY), data.x_train,
                           data.y_train, EPOCHS, BATCH, rng=BATCH_SEED)
    return twin, losses


def drift(data: canvas.CanvasDigits) -> None:
    net, ours = train_ours(data, "float64")
    twin, theirs = train_torch(data, "float64")
    gaps = [abs(a - b) / abs(b) for a, b in zip(ours, theirs, strict=True)]
    params, buffers = reference.parameters(twin), reference.buffers(twin)
    param_error = max(rel_error(v, params[n]) for n, v, _ in net.parameters())
    stat_error = max(rel_error(v, buffers[n]) for n, v in net.buffers()
                     if not n.endswith("num_batches_tracked"))
    net.eval(), twin.eval()
    same = np.array_equal(predict(net, data.x_val), reference.predict(twin, data.x_val))
    print(f"  largest relative loss gap over {len(gaps)} steps {max(gaps):.1e}; at the end: "
          f"parameters {param_error:.1e}, running statistics {stat_error:.1e}; "
          f"evaluation-mode predictions identical: {same}")


def profile(data: canvas.CanvasDigits, dtype: str) -> None:
    """Seconds in each kind of layer's forward and backward over one training run."""
    net = network(dtype)
    spent: dict[str, float] = defaultdict(float)
    for layer in leaves(net):
        for direction in ("forward", "backward"):
            method, name = getattr(layer, direction), f"{type(layer).__name__}.{direction}"

            def timed(array, *args, method=method, key=name, **options):
                start = time.process_time()
                result = method(array, *args, **options)
                spent[key] += time.process_time() - start
                return result

            setattr(layer, direction, timed)
    start = time.process_time()
    fit(net, SGD(net, LR, MOMENTUM, WEIGHT_DECAY), data.x_train, data.y_train, EPOCHS, BATCH,
        rng=BATCH_SEED)
    total = time.process_time() - start
    spent["rest (loss, optimiser, batches, overhead)"] = total - sum(spent.values())
    print(f"  where convcourse's {total:.2f} s of CPU time go ({dtype}, one run):")
    for key, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"    {key:44s} {seconds:6.3f} s  {100 * seconds / total:4.1f} %")


def main() -> None:
    data64 = canvas.load_canvas_digits(CANVAS, dtype="float64")
    data32 = canvas.load_canvas_digits(CANVAS, dtype="float32")
    steps = EPOCHS * -(-len(data64.y_train) // BATCH)
    print(f"small_resnet{CHANNELS} on {CANVAS}x{CANVAS} canvases: {steps} steps of SGD "
          f"(batch {BATCH}), one thread each")
    with reference.single_threaded():
        for dtype, data in (("float64", data64), ("float32", data32)):
            print(f"\n{dtype}: training time, median (best) of {ROUNDS} interleaved rounds")
            for clock, what in ((time.perf_counter, "wall-clock"), (time.process_time, "CPU")):
                timings = time_interleaved(
                    {"convcourse": lambda data=data, dtype=dtype: train_ours(data, dtype),
                     "torch": lambda data=data, dtype=dtype: train_torch(data, dtype)},
                    rounds=ROUNDS, settle_seconds=0.2, clock=clock,
                )
                median, best = timings.median, timings.best
                print(f"  {what:10s}  convcourse {median['convcourse']:5.2f} s "
                      f"({best['convcourse']:.2f}), torch {median['torch']:5.2f} s "
                      f"({best['torch']:.2f}), ratio convcourse / torch "
                      f"{median['convcourse'] / median['torch']:.2f} "
                      f"({best['convcourse'] / best['torch']:.2f})")
            if dtype == "float64":
                drift(data)
            profile(data, dtype)


if __name__ == "__main__":
    main()
