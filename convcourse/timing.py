"""Timing several implementations of the same computation fairly, side by side.

:func:`time_interleaved` is used by chapter 5 and by ``benchmarks/bench_conv.py``
(``make bench``). Timings are never asserted anywhere: they depend on the machine and
on what else runs on it.

How the functions are timed
---------------------------
*Warm-up.* Each function first runs once untimed (first-call costs: memory
allocation, caches, lazy initialisation), then once timed, which estimates its cost.

*Interleaved rounds.* In each round every function is timed once, and the order in
which they run rotates from round to round (with three functions: ``a b c``, then
``b c a``, then ``c a b``, ...). A slow drift of the machine (another process, the CPU
clock changing speed) then hits all functions alike instead of the one that happens to
run during it, and no function always runs right after the same neighbour. The
reported time is the median over the rounds, robust to a few disturbed rounds; the
best (smallest) time is returned too, robust when the machine is busy throughout.

*Settling.* Before each timed call a function runs untimed, at least ``settle_calls``
times and until ``settle_seconds`` have passed. numpy's and PyTorch's worker threads
keep spinning after a call (OpenBLAS's for about a tenth of a second), and on a 2-core
machine the other library's spinning threads would otherwise steal a core from the
call being timed. Measured on a CIFAR-like layer: torch's float64 forward + backward
took 50-70 ms right after a numpy matrix product and 32 ms once OpenBLAS had gone
quiet; numpy's float32 im2col convolution went from about 15 to about 9 ms once
torch's threads had.

*Slow functions.* A function listed in ``caps`` is timed in at most that many rounds
(the naive loops take seconds per call), and ``unsettled`` names are timed without
settling; a ``scale`` per function multiplies its times (for example, the naive loops
timed on a slice of the batch and scaled up to the whole).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Collection, Mapping
from typing import NamedTuple

__all__ = ["Timings", "time_interleaved"]


class Timings(NamedTuple):
    """Seconds per call of each timed function (after scaling), by name."""

    median: dict[str, float]
    best: dict[str, float]


def _check_count(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _check_number(value: object, name: str, positive: bool, unit: str = " of seconds") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number{unit}, got {type(value).__name__}")
    if not (value > 0 if positive else value >= 0) or not math.isfinite(value):
        expected = "positive" if positive else "non-negative"
        raise ValueError(f"{name} must be a finite {expected} number{unit}, got {value}")
    return float(value)


def _check_functions(
    functions: object,
) -> dict[str, tuple[Callable[[], object], float]]:
    if not isinstance(functions, Mapping):
        raise TypeError(
            "functions must be a mapping name -> function or (function, scale), "
            f"got {type(functions).__name__}"
        )
    if not functions:
        raise ValueError("functions must not be empty, got an empty mapping")
    checked = {}
    for name, entry in functions.items():
        if not isinstance(name, str):
            raise TypeError(f"functions' keys must be str, got {type(name).__name__}")
        function, scale = entry if isinstance(entry, tuple) else (entry, 1.0)
        if not callable(function):
            raise TypeError(
                f"functions[{name!r}] must be callable or (callable, scale), "
                f"got {type(function).__name__}"
            )
        scale = _check_number(scale, f"the scale of functions[{name!r}]", positive=True, unit="")
        checked[name] = (function, scale)
    return checked


def time_interleaved(
    functions: Mapping[str, Callable[[], object] | tuple[Callable[[], object], float]],
    *,
    rounds: int | None = None,
    budget: float | None = None,
    min_rounds: int = 5,
    max_rounds: int = 15,
    settle_seconds: float = 0.0,
    settle_calls: int = 0,
    caps: Mapping[str, int] | None = None,
    unsettled: Collection[str] = (),
    clock: Callable[[], float] = time.perf_counter,
) -> Timings:
    """Time each function in rotating, interleaved rounds (see the module docstring).

    Parameters
    ----------
    functions : mapping of str to callable or (callable, float)
        ``name -> function`` or ``name -> (function, scale)``; each function is called
        with no arguments, and its measured seconds are multiplied by ``scale``
        (positive, default 1).
    rounds : int, optional
        The number of rounds (at least 1). Give either ``rounds`` or ``budget``.
    budget : float, optional
        Seconds of timed calls per function: the number of rounds is
        ``budget / t``, where ``t`` is the largest warm-up time among the functions
        not in ``caps`` (unscaled), clipped to ``[min_rounds, max_rounds]``.
    min_rounds, max_rounds : int
        The bounds for ``budget`` (``1 <= min_rounds <= max_rounds``).
    settle_seconds : float
        Before each timed call, keep calling the function untimed until this many
        seconds have passed (0: no time-based settling).
    settle_calls : int
        ... and call it untimed at least this many times (0: none).
    caps : mapping of str to int, optional
        ``name -> n``: time that function in its first ``n`` rounds only (``n >= 1``).
    unsettled : collection of str
        Names timed without settling.
    clock : callable
        The clock, in seconds (:func:`time.perf_counter`; tests pass a fake one).

    Returns
    -------
    Timings
        ``(median, best)``: two dicts ``name -> seconds per call``, with the keys of
        ``functions``: the median and the minimum over the function's timed rounds,
        multiplied by its scale.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or value (the message names it), including
        both or neither of ``rounds`` and ``budget``, or a name in ``caps`` or
        ``unsettled`` that is not in ``functions``.
    """
    functions = _check_functions(functions)
    if (rounds is None) == (budget is None):
        raise TypeError(
            f"give exactly one of rounds and budget, got rounds={rounds!r}, budget={budget!r}"
        )
    if rounds is not None:
        rounds = _check_count(rounds, "rounds", 1)
    else:
        budget = _check_number(budget, "budget", positive=True)
        min_rounds = _check_count(min_rounds, "min_rounds", 1)
        max_rounds = _check_count(max_rounds, "max_rounds", min_rounds)
    settle_seconds = _check_number(settle_seconds, "settle_seconds", positive=False)
    settle_calls = _check_count(settle_calls, "settle_calls", 0)
    caps = dict(caps or {})
    for name, cap in caps.items():
        if name not in functions:
            raise ValueError(f"caps names {name!r}, which is not in functions {list(functions)}")
        _check_count(cap, f"caps[{name!r}]", 1)
    if isinstance(unsettled, str):
        raise TypeError("unsettled must be a collection of names, got a single str")
    for name in unsettled:
        if name not in functions:
            raise ValueError(
                f"unsettled names {name!r}, which is not in functions {list(functions)}"
            )
    if not callable(clock):
        raise TypeError(f"clock must be callable, got {type(clock).__name__}")

    names = list(functions)
    first = {}
    for name in names:  # warm-up, and a first estimate of each call's time
        call = functions[name][0]
        call()
        start = clock()
        call()
        first[name] = clock() - start
    if rounds is None:
        uncapped = [first[name] for name in names if name not in caps] or list(first.values())
        estimate = budget / max(max(uncapped), 1e-9)
        rounds = int(min(max_rounds, max(min_rounds, estimate)))

    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            if name in caps and len(times[name]) >= caps[name]:
                continue
            call, scale = functions[name]
            if name not in unsettled:
                settle_until = clock() + settle_seconds
                for _ in range(settle_calls):
                    call()
                while clock() < settle_until:
                    call()
            start = clock()
            call()
            times[name].append((clock() - start) * scale)
    return Timings(
        median={name: statistics.median(values) for name, values in times.items()},
        best={name: min(values) for name, values in times.items()},
    )
