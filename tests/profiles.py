"""The hypothesis profiles of the test suite, chosen by ``CONVCOURSE_HYPOTHESIS``.

``ci`` (the default) draws 40 examples per property, derandomised so that a run is
reproducible; ``thorough`` draws 500 per property, at random, for a deeper local run.
A property whose examples cost much more (or less) than most names its cost, never a
number, and the profile says how many it draws:
``@settings(settings.get_profile("costly"))``. Loaded by ``tests/conftest.py`` before
any test module, so a plain ``@given`` test draws the profile's ``max_examples``.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.register_profile("thorough", max_examples=500, deadline=None)

#: The profile of this run.
PROFILE = os.environ.get("CONVCOURSE_HYPOTHESIS", "ci")
settings.load_profile(PROFILE)

#: Under ``ci``, how many examples the properties of each cost draw; every other
#: profile draws its own ``max_examples`` for them too.
CI_EXAMPLES_BY_COST = {"cheap": 60, "costly": 20}
for _cost, _examples in CI_EXAMPLES_BY_COST.items():
    settings.register_profile(
        _cost, settings.default,
        max_examples=_examples if PROFILE == "ci" else settings.default.max_examples)
