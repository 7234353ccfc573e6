"""Vectorised pooling (convcourse.fast_pooling) against the loops and against torch."""

from __future__ import annotations

import numpy as np
import pytest
from bad_input import pool_tests
from hypothesis import given, settings
from strategies import PoolCase, pool_cases

from convcourse import fast_pooling, pooling, reference, rel_error

TOL = 1e-10
KINDS = ("max", "avg")


def run(module, kind: str, case: PoolCase, grad_out: np.ndarray) -> tuple[np.ndarray, ...]:
    forward = getattr(module, f"{kind}_pool2d_forward")
    backward = getattr(module, f"{kind}_pool2d_backward")
    return forward(case.x, **case.window), backward(grad_out, case.x, **case.window)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=60, deadline=None)
@given(case=pool_cases(max_batch=3))
def test_vectorised_matches_the_loops_and_torch_float64(kind, case):
    grad_out = case.grad_out(seed=2)
    fast, loops = run(fast_pooling, kind, case, grad_out), run(pooling, kind, case, grad_out)
    torch_values = (getattr(reference, f"{kind}_pool2d")(case.x, **case.window),
                    getattr(reference, f"{kind}_pool2d_backward")(grad_out, case.x, **case.window))
    for mine, slow, theirs in zip(fast, loops, torch_values, strict=True):
        assert mine.shape == slow.shape == theirs.shape
        assert mine.dtype == np.float64
        # the same numbers, summed in another order: equal up to the last bits
        assert rel_error(mine, slow) < 1e-14
        assert rel_error(mine, theirs) < TOL
    if kind == "max":  # a maximum is picked, not computed: exactly the same
        np.testing.assert_array_equal(fast[0], loops[0])


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=20, deadline=None)
@given(case=pool_cases(dtype=np.float32))
def test_float32_stays_float32(kind, case):
    grad_out = case.grad_out(seed=3)
    exact = run(pooling, kind, PoolCase(case.x.astype(np.float64), case.kernel_size,
                                        case.stride, case.padding), grad_out.astype(np.float64))
    for mine, theirs in zip(run(fast_pooling, kind, case, grad_out), exact, strict=True):
        assert mine.dtype == np.float32
        assert rel_error(mine, theirs) < 1e-6


@pytest.mark.parametrize("seed", range(6))
def test_ties_with_minus_infinity_and_padding_match_torch(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-1, 2, (2, 3, 6, 5)).astype(float)
    x[x < 0] = -np.inf  # whole windows of -inf, real and padded
    case = PoolCase(x, (2, 3), 1, (1, 1))
    # whole numbers: sums of them are exact in any order, so routing is all that counts
    grad_out = rng.integers(1, 100, case.geometry.output_shape).astype(float)
    out, grad_x = run(fast_pooling, "max", case, grad_out)
    np.testing.assert_array_equal(out, reference.max_pool2d(x, **case.window))
    np.testing.assert_array_equal(grad_x, reference.max_pool2d_backward(grad_out, x, **case.window))


def test_integer_input_is_computed_in_float64():
    x = np.arange(16).reshape(1, 1, 4, 4)
    for kind in KINDS:
        out, grad_x = run(fast_pooling, kind, PoolCase(x, 2, None, 0), np.ones((1, 1, 2, 2)))
        assert out.dtype == grad_x.dtype == np.float64
        np.testing.assert_array_equal(out, run(pooling, kind, PoolCase(x, 2, None, 0),
                                               np.ones((1, 1, 2, 2)))[0])


def test_results_are_not_views_of_the_input():
    x = np.random.default_rng(1).standard_normal((1, 1, 4, 4))
    out = fast_pooling.max_pool2d_forward(x, 1)  # a 1x1 window copies the input
    x[:] = 0.0
    assert np.any(out != 0.0)


# ---------------------------------------------------------------------------------------
# bad input (the cases: bad_input.py)
# ---------------------------------------------------------------------------------------

test_pooling_rejects_bad_input, test_pooling_backward_rejects_bad_grad_out = pool_tests({
    "max_pool2d_forward": fast_pooling.max_pool2d_forward,
    "max_pool2d_backward": fast_pooling.max_pool2d_backward,
    "avg_pool2d_forward": fast_pooling.avg_pool2d_forward,
    "avg_pool2d_backward": fast_pooling.avg_pool2d_backward,
})
