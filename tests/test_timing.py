"""convcourse.timing: interleaved timing, checked with fake functions and a fake clock.

No wall-clock value is asserted: each fake function advances a fake clock by a fixed
cost and records when it was called, so the timings are exact and the call order is
observable.
"""

from __future__ import annotations

import pytest

from convcourse.timing import Timings, time_interleaved


class FakeMachine:
    """A fake clock and fake functions that advance it by their cost when called."""

    def __init__(self) -> None:
        self.now = 0.0
        self.log: list[str] = []

    def clock(self) -> float:
        return self.now

    def function(self, name: str, cost: float):
        def call():
            self.log.append(name)
            self.now += cost

        return call

    def functions(self, costs: dict[str, float]) -> dict:
        return {name: self.function(name, cost) for name, cost in costs.items()}


def timed_order(log: list[str], warmup_calls: int) -> list[str]:
    """With no settling, every call after the warm-up is a timed one."""
    return log[warmup_calls:]


def test_rounds_rotate_and_every_function_is_called():
    machine = FakeMachine()
    result = time_interleaved(
        machine.functions({"a": 1.0, "b": 2.0, "c": 3.0}), rounds=4, clock=machine.clock
    )
    assert isinstance(result, Timings)
    median, best = result  # unpacks like a tuple
    assert set(median) == set(best) == {"a", "b", "c"}
    assert machine.log[:6] == ["a", "a", "b", "b", "c", "c"]  # warm-up: untimed + estimate
    assert timed_order(machine.log, 6) == list("abc" + "bca" + "cab" + "abc")
    assert median == {"a": 1.0, "b": 2.0, "c": 3.0}
    assert best == median


def test_scale_multiplies_and_plain_callables_have_scale_one():
    machine = FakeMachine()
    functions = {
        "slice": (machine.function("slice", 0.5), 8.0),
        "whole": machine.function("whole", 4.0),
    }
    median, best = time_interleaved(functions, rounds=2, clock=machine.clock)
    assert median == best == {"slice": 4.0, "whole": 4.0}


def test_cap_is_respected_and_capped_function_excluded_from_budget():
    machine = FakeMachine()
    functions = machine.functions({"naive": 100.0, "fast": 0.1, "torch": 0.2})
    time_interleaved(
        functions, budget=2.0, min_rounds=3, max_rounds=50, caps={"naive": 2},
        clock=machine.clock,
    )
    timed = timed_order(machine.log, 6)
    # The budget ignores the capped naive: 2.0 s / 0.2 s (torch's estimate) = 10 rounds.
    assert timed.count("fast") == timed.count("torch") == 10
    assert timed.count("naive") == 2
    assert machine.log.count("naive") == 2 + 2


@pytest.mark.parametrize(
    ("budget", "expected"), [(0.05, 3), (1.0, 5), (100.0, 7)]
)
def test_budget_is_clipped_to_min_and_max_rounds(budget, expected):
    machine = FakeMachine()
    time_interleaved(
        machine.functions({"a": 0.2, "b": 0.1}), budget=budget, min_rounds=3, max_rounds=7,
        clock=machine.clock,
    )
    assert machine.log.count("a") == 2 + expected


def test_medians_and_bests_of_varying_times():
    machine = FakeMachine()
    costs = iter([9.0, 9.0, 4.0, 1.0, 3.0, 2.0, 5.0])  # 2 warm-up calls, then 5 rounds

    def varying():
        machine.now += next(costs)

    median, best = time_interleaved({"v": varying}, rounds=5, clock=machine.clock)
    assert median == {"v": 3.0} and best == {"v": 1.0}


def test_settle_calls_and_seconds():
    machine = FakeMachine()
    functions = machine.functions({"naive": 10.0, "fast": 1.0})
    time_interleaved(
        functions, rounds=2, settle_calls=2, unsettled=("naive",), clock=machine.clock
    )
    # Per round: naive once (unsettled), fast 2 untimed + 1 timed.
    assert machine.log.count("naive") == 2 + 2
    assert machine.log.count("fast") == 2 + 2 * 3

    machine = FakeMachine()
    functions = machine.functions({"fast": 1.0, "torch": 1.0})
    median, _ = time_interleaved(
        functions, rounds=3, settle_seconds=2.5, settle_calls=1, clock=machine.clock
    )
    # At least one untimed call and until 2.5 s have passed: 3 untimed calls per round.
    assert machine.log.count("fast") == machine.log.count("torch") == 2 + 3 * 4
    assert median == {"fast": 1.0, "torch": 1.0}  # settling is not timed


def test_real_clock_runs():
    calls = []
    median, best = time_interleaved({"f": lambda: calls.append(1)}, rounds=3)
    assert len(calls) == 5
    assert 0 <= best["f"] <= median["f"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"functions": [print]}, TypeError, "functions must be a mapping"),
        ({"functions": {}}, ValueError, "functions must not be empty"),
        ({"functions": {1: print}}, TypeError, "keys must be str"),
        ({"functions": {"f": 3}}, TypeError, r"functions\['f'\] must be callable"),
        ({"functions": {"f": (print, 0)}}, ValueError, r"scale of functions\['f'\]"),
        ({"functions": {"f": (print, "2")}}, TypeError, r"scale of functions\['f'\]"),
        ({}, TypeError, "exactly one of rounds and budget"),
        ({"rounds": 3, "budget": 1.0}, TypeError, "exactly one of rounds and budget"),
        ({"rounds": 0}, ValueError, "rounds must be at least 1, got 0"),
        ({"rounds": 2.0}, TypeError, "rounds must be an int, got float"),
        ({"rounds": True}, TypeError, "rounds must be an int, got bool"),
        ({"budget": -1.0}, ValueError, "budget must be a finite positive"),
        ({"budget": float("nan")}, ValueError, "budget must be a finite positive"),
        ({"budget": 1.0, "min_rounds": 0}, ValueError, "min_rounds must be at least 1"),
        ({"budget": 1.0, "min_rounds": 5, "max_rounds": 3}, ValueError,
         "max_rounds must be at least 5, got 3"),
        ({"rounds": 1, "settle_seconds": -0.1}, ValueError, "settle_seconds must be a finite"),
        ({"rounds": 1, "settle_calls": -1}, ValueError, "settle_calls must be at least 0"),
        ({"rounds": 1, "caps": {"g": 2}}, ValueError, "caps names 'g'"),
        ({"rounds": 1, "caps": {"f": 0}}, ValueError, r"caps\['f'\] must be at least 1"),
        ({"rounds": 1, "unsettled": "f"}, TypeError, "unsettled must be a collection"),
        ({"rounds": 1, "unsettled": ["g"]}, ValueError, "unsettled names 'g'"),
        ({"rounds": 1, "clock": 0.0}, TypeError, "clock must be callable"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    calls = []
    kwargs = {"functions": {"f": lambda: calls.append(1)}, **kwargs}
    with pytest.raises(error, match=match):
        time_interleaved(kwargs.pop("functions"), **kwargs)
    assert calls == []  # validated before anything runs
