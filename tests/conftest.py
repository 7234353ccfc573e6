"""Shared pytest settings: hypothesis profiles and strategies for convolution cases."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# Examples are drawn at random but reproducibly (derandomize) so that CI is stable;
# CONVCOURSE_HYPOTHESIS=thorough draws many more for a deeper local run.
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("CONVCOURSE_HYPOTHESIS", "ci"))


@pytest.fixture(scope="session")
def grading_pool():
    """Grading workers (tools.grading.pool) shared by the grading tests of a session."""
    from tools.grading.pool import Pool

    with Pool() as pool:
        yield pool
