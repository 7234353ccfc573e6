"""Time the naive loops, convcourse.fast and torch side by side: ``make bench``.

For each case, dtype (float32, float64) and mode (forward; forward + backward) the
three implementations are timed by :func:`convcourse.timing.time_interleaved` (whose
docstring explains the method): interleaved rounds whose order rotates, after a
warm-up, so slow drift of the machine hits them all alike; each time printed is the
median over the rounds. Within a round, numpy and torch each first run untimed for
``SETTLE_SECONDS`` (at least once) before the timed call, so that the other library's
worker threads, still spinning after its last call, have gone quiet.

The naive loops on the larger cases would take minutes, so they run on a slice (a few
images, a few output channels) and the time is scaled up by the ratio of output
elements: the loops do the same work per output element, so their time is
proportional to their number. Such rows are marked ``*``.

Columns: milliseconds per call; the ratio to torch's time (below 1 = faster than
torch); achieved GFLOP/s, counting ``2 N O H_out W_out (C / g) kh kw`` floating-point
operations for a forward pass and three times that for forward + backward; and, at
the top, numpy's own matrix product speed, the practical ceiling for an im2col
convolution. Nothing is asserted: timings depend on the machine and on what else runs
on it.

The numbers depend on OpenBLAS's kernel: where ``OPENBLAS_CORETYPE`` is set (see the
printed header), numpy runs that kernel. The script does not change it.
"""

from __future__ import annotations

import ctypes
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from convcourse import fast, naive
from convcourse.geometry import ConvGeometry
from convcourse.reference import to_torch
from convcourse.timing import time_interleaved

torch.set_num_threads(os.cpu_count() or 1)


@dataclass(frozen=True)
class Case:
    name: str
    batch: int
    channels: int
    size: int
    out_channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    naive_slice: tuple[int, int] | None = None  # (images, out channels) for naive

    def hyper(self) -> dict:
        return {"stride": self.stride, "padding": self.padding}

    def geometry(self) -> ConvGeometry:
        return ConvGeometry.from_shapes(
            (self.batch, self.channels, self.size, self.size),
            (self.out_channels, self.channels, self.kernel, self.kernel),
            **self.hyper(),
        )


CASES = [
    Case("tiny (seed)", 3, 3, 4, 3, 2, stride=2),
    Case("MNIST-like", 64, 1, 28, 8, 3, padding=1, naive_slice=(2, 8)),
    Case("CIFAR-like", 32, 16, 32, 32, 3, padding=1, naive_slice=(1, 4)),
    Case("larger", 16, 64, 56, 64, 3, padding=1, naive_slice=(1, 1)),
]
BUDGET_SECONDS = 1.0  # timed calls per implementation, case, dtype and mode
MIN_ROUNDS, MAX_ROUNDS, NAIVE_ROUNDS = 5, 15, 3
SETTLE_SECONDS = 0.15  # untimed calls before each timed one (fast, torch): see above


def openblas_core() -> str:
    """The OpenBLAS kernel numpy runs (read from the loaded library), or '?'."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    for path in paths:
        library = ctypes.CDLL(path)
        for symbol in ("scipy_openblas_get_corename64_", "openblas_get_corename64_",
                       "openblas_get_corename"):
            if hasattr(library, symbol):
                function = getattr(library, symbol)
                function.restype = ctypes.c_char_p
                return function().decode()
    return "?"


def matmul_gflops(dtype: type, n: int = 1536, repeats: int = 7) -> float:
    """numpy's square matrix product speed, the practical ceiling."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


def flops(case: Case, backward: bool) -> float:
    """2 flops per multiply-add, one multiply-add per output and tap; backward is two
    more products of the same size."""
    geo = case.geometry()
    forward = 2 * int(np.prod(geo.output_shape)) * geo.taps
    return float(forward * (3 if backward else 1))


def callables(case: Case, dtype: type, backward: bool) -> dict[str, tuple[Callable, float]]:
    """``name -> (function, scale)``: time ``function`` and multiply by ``scale``."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((case.batch, case.channels, case.size, case.size)).astype(dtype)
    weight = rng.standard_normal(
        (case.out_channels, case.channels, case.kernel, case.kernel)
    ).astype(dtype)
    weight *= np.sqrt(2 / (case.channels * case.kernel**2))
    bias = rng.standard_normal(case.out_channels).astype(dtype)
    hyper = case.hyper()
    grad_out = rng.standard_normal(case.geometry().output_shape).astype(dtype)

    def run(module, x, weight, bias, grad_out):
        def call():
            out = module.conv2d_forward(x, weight, bias, **hyper)
            if backward:
                module.conv2d_backward(grad_out, x, weight, **hyper)
            return out

        return call

    images, outs = case.naive_slice or (case.batch, case.out_channels)
    naive_call = run(naive, x[:images], weight[:outs], bias[:outs], grad_out[:images, :outs])
    naive_scale = (case.batch * case.out_channels) / (images * outs)

    tx, tw, tb, tg = (to_torch(a) for a in (x, weight, bias, grad_out))
    if backward:
        leaves = [t.clone().requires_grad_() for t in (tx, tw, tb)]

        def torch_call():
            for leaf in leaves:
                leaf.grad = None
            out = F.conv2d(*leaves, **hyper)
            out.backward(tg)
            return out

    else:

        def torch_call():
            with torch.no_grad():
                return F.conv2d(tx, tw, tb, **hyper)

    return {
        "naive": (naive_call, naive_scale),
        "fast": (run(fast, x, weight, bias, grad_out), 1.0),
        "torch": (torch_call, 1.0),
    }


def main() -> None:
    started = time.perf_counter()
    print(f"numpy {np.__version__} (OpenBLAS kernel: {openblas_core()}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}), "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    ceiling = {dt: matmul_gflops(dt) for dt in (np.float32, np.float64)}
    print("numpy matmul ceiling (1536x1536): "
          + ", ".join(f"{dt.__name__} {g:.0f} GFLOP/s" for dt, g in ceiling.items()))
    print()
    header = (f"{'case':<12} {'dtype':<8} {'mode':<9} {'naive ms':>11} {'fast ms':>9} "
              f"{'torch ms':>9} {'naive/torch':>11} {'fast/torch':>10} "
              f"{'GFLOP/s naive':>13} {'fast':>6} {'torch':>6} {'best fast/torch':>15}")
    print(header)
    print("-" * len(header))
    for case in CASES:
        for dtype in (np.float32, np.float64):
            for backward in (False, True):
                median, best = time_interleaved(
                    callables(case, dtype, backward),
                    budget=BUDGET_SECONDS,
                    min_rounds=MIN_ROUNDS,
                    max_rounds=MAX_ROUNDS,
                    settle_seconds=SETTLE_SECONDS,
                    settle_calls=1,
                    caps={"naive": NAIVE_ROUNDS},
                    unsettled=("naive",),
                )
                work = flops(case, backward) / 1e9
                mark = "*" if case.naive_slice else " "
                print(
                    f"{case.name:<12} {dtype.__name__:<8} {'fwd+bwd' if backward else 'fwd':<9} "
                    f"{median['naive'] * 1e3:>10.1f}{mark} {median['fast'] * 1e3:>9.2f} "
                    f"{median['torch'] * 1e3:>9.2f} "
                    f"{median['naive'] / median['torch']:>11.0f} "
                    f"{median['fast'] / median['torch']:>10.2f} "
                    f"{work / median['naive']:>13.2g} {work / median['fast']:>6.3g} "
                    f"{work / median['torch']:>6.3g} "
                    f"{best['fast'] / best['torch']:>15.2f}",
                    flush=True,
                )
    print()
    print("* naive timed on a slice (images x output channels) and scaled up: "
          + "; ".join(f"{c.name} {c.naive_slice[0]}x{c.naive_slice[1]} of "
                      f"{c.batch}x{c.out_channels}" for c in CASES if c.naive_slice))
    print("ratios below 1 mean faster than torch; times are medians of interleaved rounds; "
          "'best' compares the fastest round of each (robust when the machine is busy)")
    print(f"total benchmark time {time.perf_counter() - started:.0f} s, "
          f"load average {os.getloadavg()[0]:.1f} at the end (2 cores: above ~2 means other "
          "work competed for the processor and the times are inflated)")


if __name__ == "__main__":
    main()
