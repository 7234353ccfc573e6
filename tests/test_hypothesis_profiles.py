"""The hypothesis profile (``CONVCOURSE_HYPOTHESIS``, tests/profiles.py) governs every
property test: no test pins its own number of examples."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from profiles import CI_EXAMPLES_BY_COST, PROFILE

TESTS = Path(__file__).parent


def expected_examples() -> dict[str, int]:
    """How many examples a property of each cost draws under the loaded profile."""
    full = settings.get_profile(PROFILE).max_examples
    costs = {cost: n if PROFILE == "ci" else full for cost, n in CI_EXAMPLES_BY_COST.items()}
    return {"default": full, **costs}


def test_no_test_file_sets_its_own_number_of_examples():
    pinned = [f"{path.name}:{number}: {line.strip()}"
              for path in sorted(TESTS.glob("test_*.py"))
              for number, line in enumerate(path.read_text().splitlines(), 1)
              if re.search(r"\bmax_examples\s*=", line)]
    assert pinned == [], "name a cost from tests/profiles.py instead:\n" + "\n".join(pinned)


def test_every_property_draws_what_its_profile_says():
    """Every property test of every test module (imported as pytest imports them)."""
    allowed = set(expected_examples().values())
    drawn = {f"{module.__name__}.{name}": test._hypothesis_internal_use_settings.max_examples
             for module in map(importlib.import_module,
                               sorted(p.stem for p in TESTS.glob("test_*.py")))
             for name, test in vars(module).items()
             if getattr(test, "is_hypothesis_test", False)}
    assert len(drawn) >= 20, f"only {len(drawn)} property tests found"
    wrong = {test: n for test, n in drawn.items() if n not in allowed}
    assert wrong == {}, f"profile {PROFILE} draws {sorted(allowed)} examples"


def _count_examples(decorate) -> int:
    calls = []

    @decorate
    @given(st.integers())
    def probe(x):
        calls.append(x)

    probe()
    return len(calls)


@pytest.mark.parametrize("cost", ["default", *CI_EXAMPLES_BY_COST])
def test_a_property_draws_as_many_examples_as_the_profile_gives_its_cost(cost):
    decorate = settings(deadline=None) if cost == "default" else settings(
        settings.get_profile(cost))
    assert _count_examples(decorate) == expected_examples()[cost]
    if PROFILE == "thorough":
        assert expected_examples()[cost] == 500
