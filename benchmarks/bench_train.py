"""Train chapter 6's LeNet on the digits with convcourse and with torch, side by side.

Both start from the same weights (the torch twin's are copied from ours) and see the
same minibatches in the same order (:class:`convcourse.training.Recipe`, 900 steps of
SGD with momentum and weight decay). Printed:

* the training time of each, timed by :func:`convcourse.timing.time_interleaved`
  (interleaved rounds, median and best), in float64 and in float32, with torch and
  numpy's BLAS on one thread each (:func:`convcourse.reference.single_threaded`) and
  with their default threads, and the ratio;
* each one's accuracy on the held-out digits;
* in float64, how far the two runs drift apart: the largest relative gap between
  their losses over the first 25 steps and over all 900, and the relative error
  (``rel_error``) of the parameters at the end.

Nothing is asserted: timings depend on the machine and on what else runs on it (the
step-for-step agreement *is* asserted, in ``tests/test_training.py``).
Run with ``python benchmarks/bench_train.py`` (about two minutes on a quiet 2-core
machine).
"""

from __future__ import annotations

import contextlib
import os

import numpy as np
import torch

from convcourse import data, reference, rel_error
from convcourse.network import Sequential, lenet
from convcourse.timing import time_interleaved
from convcourse.training import Recipe, accuracy, fit

torch.set_num_threads(os.cpu_count() or 1)
RECIPE = Recipe()
INIT_SEED, BATCH_SEED = 0, 1  # as in tests/test_training.py


def network(dtype: str) -> Sequential:
    net = lenet(RECIPE.channels, rng=INIT_SEED, implementation="fast")
    for layer in net:  # parameters in the data's dtype
        for name in ("weight", "bias"):
            if getattr(layer, name, None) is not None:
                setattr(layer, name, getattr(layer, name).astype(dtype))
    return net


def train_ours(digits: data.Digits, dtype: str) -> tuple[Sequential, list[float]]:
    net = network(dtype)
    losses = fit(net, RECIPE.optimiser(net), digits.x_train, digits.y_train, RECIPE.epochs,
                 RECIPE.batch_size, rng=BATCH_SEED)
    return net, losses


def train_torch(digits: data.Digits, dtype: str) -> tuple[torch.nn.Module, list[float]]:
    twin = reference.torch_twin(network(dtype))
    optimizer = reference.sgd(twin, RECIPE.lr, RECIPE.momentum, RECIPE.weight_decay)
    losses = reference.fit(twin, optimizer, digits.x_train, digits.y_train, RECIPE.epochs,
                           RECIPE.batch_size, rng=BATCH_SEED)
    return twin, losses


def main() -> None:
    print(f"{RECIPE}, default torch threads {torch.get_num_threads()}")
    for dtype in ("float64", "float32"):
        digits = data.load_digits(dtype=dtype)
        for threads, context in (("one thread", reference.single_threaded),
                                 ("default threads", contextlib.nullcontext)):
            with context():
                report(digits, dtype, threads)


def report(digits: data.Digits, dtype: str, threads: str) -> None:
    timings = time_interleaved(
        {"convcourse": lambda: train_ours(digits, dtype),
         "torch": lambda: train_torch(digits, dtype)},
        rounds=3, settle_seconds=0.2,
    )
    net, ours = train_ours(digits, dtype)
    twin, theirs = train_torch(digits, dtype)
    ours_accuracy = accuracy(net, digits.x_test, digits.y_test)
    torch_accuracy = float(np.mean(reference.predict(twin, digits.x_test) == digits.y_test))
    median, best = timings.median, timings.best
    print(f"\n{dtype}, {threads}: training time, median (best) of 3 runs")
    print(f"  convcourse  {median['convcourse']:6.2f} s ({best['convcourse']:.2f})  "
          f"test accuracy {ours_accuracy:.4f}")
    print(f"  torch       {median['torch']:6.2f} s ({best['torch']:.2f})  "
          f"test accuracy {torch_accuracy:.4f}")
    print(f"  ratio convcourse / torch: {median['convcourse'] / median['torch']:.2f}")
    if dtype == "float64":
        gaps = [abs(a - b) / abs(b) for a, b in zip(ours, theirs, strict=True)]
        final = reference.parameters(twin)
        param_error = max(rel_error(value, final[name]) for name, value, _ in
                          net.parameters())
        print(f"  largest relative loss gap: first 25 steps {max(gaps[:25]):.1e}, "
              f"all {len(gaps)} steps {max(gaps):.1e}; parameters at the end "
              f"{param_error:.1e}")


if __name__ == "__main__":
    main()
