"""Pooling with loops (convcourse.pooling) against torch, finite differences and by hand."""

from __future__ import annotations

import numpy as np
import pytest
from bad_input import pool_tests
from hypothesis import given
from strategies import PoolCase, pool_cases

from convcourse import conv_output_size, numerical_gradient, pooling, reference, rel_error

TOL = 1e-10
FD_TOL = 1e-7
KINDS = ("max", "avg")


def ours(kind: str, case: PoolCase, grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    forward = getattr(pooling, f"{kind}_pool2d_forward")
    backward = getattr(pooling, f"{kind}_pool2d_backward")
    return forward(case.x, **case.window), backward(grad_out, case.x, **case.window)


def torch_pool(kind: str, case: PoolCase, grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    forward = getattr(reference, f"{kind}_pool2d")
    backward = getattr(reference, f"{kind}_pool2d_backward")
    return forward(case.x, **case.window), backward(grad_out, case.x, **case.window)


@pytest.mark.parametrize("kind", KINDS)
@given(case=pool_cases())
def test_forward_and_backward_match_torch_float64(kind, case):
    grad_out = case.grad_out(seed=1)
    (out, grad_x), (out_t, grad_x_t) = ours(kind, case, grad_out), torch_pool(kind, case, grad_out)
    assert out.shape == out_t.shape == case.geometry.output_shape
    assert grad_x.shape == case.x.shape
    assert out.dtype == grad_x.dtype == np.float64
    assert rel_error(out, out_t) < TOL
    assert rel_error(grad_x, grad_x_t) < TOL


@pytest.mark.parametrize("kind", KINDS)
def test_output_size_is_the_convolution_formula(kind):
    x = np.zeros((1, 1, 11, 9))
    for kernel, stride, padding in [(2, None, 0), (3, 2, 1), ((3, 2), (1, 3), (1, 0)), (4, 3, 2)]:
        out = getattr(pooling, f"{kind}_pool2d_forward")(x, kernel, stride, padding)
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        sh, sw = (kh, kw) if stride is None else (
            (stride, stride) if isinstance(stride, int) else stride)
        ph, pw = (padding, padding) if isinstance(padding, int) else padding
        assert out.shape[2:] == (conv_output_size(11, kh, sh, ph), conv_output_size(9, kw, sw, pw))


# --------------------------------------------------------------------------------------
# ties: the first maximum in row-major window order gets the gradient, as in torch
# --------------------------------------------------------------------------------------


def test_a_tie_sends_the_gradient_to_the_first_maximum():
    x = np.array([[[[1.0, 7.0, 7.0, 2.0],
                    [7.0, 7.0, 0.0, 2.0],
                    [3.0, 3.0, 5.0, 5.0],
                    [3.0, 3.0, 5.0, 5.0]]]])
    grad_out = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    expected = np.array([[[[0.0, 1.0, 2.0, 0.0],
                           [0.0, 0.0, 0.0, 0.0],
                           [3.0, 0.0, 4.0, 0.0],
                           [0.0, 0.0, 0.0, 0.0]]]])
    grad_x = pooling.max_pool2d_backward(grad_out, x, 2)
    np.testing.assert_array_equal(grad_x, expected)
    np.testing.assert_array_equal(grad_x, reference.max_pool2d_backward(grad_out, x, 2))


def test_overlapping_windows_with_ties_collect_at_each_first_maximum():
    x = np.ones((1, 1, 3, 4))  # every window is one big tie
    grad_out = np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
    grad_x = pooling.max_pool2d_backward(grad_out, x, 2, stride=1)
    expected = np.zeros((1, 1, 3, 4))
    expected[0, 0, :2, :3] = grad_out[0, 0]  # each window's top-left corner
    np.testing.assert_array_equal(grad_x, expected)
    np.testing.assert_array_equal(grad_x, reference.max_pool2d_backward(grad_out, x, 2, 1))


def test_a_tie_across_the_padding_goes_to_the_first_real_input():
    # All real inputs are -inf, as is the padding: torch sends each window's gradient
    # to its first *real* input, never to the padding.
    x = np.full((1, 1, 3, 3), -np.inf)
    grad_x = pooling.max_pool2d_backward(np.ones((1, 1, 4, 4)), x, 2, stride=1, padding=1)
    expected = np.array([[[[4.0, 2.0, 2.0], [2.0, 1.0, 1.0], [2.0, 1.0, 1.0]]]])
    np.testing.assert_array_equal(grad_x, expected)
    np.testing.assert_array_equal(
        grad_x, reference.max_pool2d_backward(np.ones((1, 1, 4, 4)), x, 2, 1, 1)
    )
    np.testing.assert_array_equal(pooling.max_pool2d_forward(x, 2, 1, 1), np.full((1, 1, 4, 4),
                                                                                  -np.inf))


@pytest.mark.parametrize("seed", range(6))
def test_ties_with_minus_infinity_and_padding_match_torch(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-1, 2, (2, 2, 5, 6)).astype(float)
    x[x < 0] = -np.inf
    case = PoolCase(x, (3, 2), (1, 2), (1, 1))
    # whole numbers: sums of them are exact in any order, so routing is all that counts
    grad_out = rng.integers(1, 100, case.geometry.output_shape).astype(float)
    np.testing.assert_array_equal(pooling.max_pool2d_forward(x, **case.window),
                                  reference.max_pool2d(x, **case.window))
    np.testing.assert_array_equal(pooling.max_pool2d_backward(grad_out, x, **case.window),
                                  reference.max_pool2d_backward(grad_out, x, **case.window))


# --------------------------------------------------------------------------------------
# padding: -inf for max, counted zeros for average
# --------------------------------------------------------------------------------------


def test_max_pooling_pads_with_minus_infinity():
    x = -np.arange(1.0, 5.0).reshape(1, 1, 2, 2)  # all negative: a zero pad would win
    out = pooling.max_pool2d_forward(x, 2, stride=1, padding=1)
    assert out.max() == -1.0
    np.testing.assert_array_equal(out[0, 0], [[-1, -1, -2], [-1, -1, -2], [-3, -3, -4]])


def test_average_pooling_counts_the_padded_zeros():
    out = pooling.avg_pool2d_forward(np.ones((1, 1, 2, 2)), 2, stride=1, padding=1)
    np.testing.assert_array_equal(out[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5],
                                              [0.25, 0.5, 0.25]])
    grad_x = pooling.avg_pool2d_backward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), 2, 1, 1)
    np.testing.assert_array_equal(grad_x, np.ones((1, 1, 2, 2)))  # 4 windows x 1/4 each


# --------------------------------------------------------------------------------------
# finite differences and dtypes
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("window", [{"kernel_size": 2}, {"kernel_size": (3, 2), "stride": 1,
                                                        "padding": (1, 0)}])
def test_backward_matches_finite_differences(kind, window):
    x = np.random.default_rng(3).standard_normal((2, 2, 5, 4))  # no ties, no kinks near
    case = PoolCase(x, window["kernel_size"], window.get("stride"), window.get("padding", 0))
    grad_out = case.grad_out(seed=4)
    forward = getattr(pooling, f"{kind}_pool2d_forward")
    numeric = numerical_gradient(lambda v: forward(v, **case.window), x.copy(), grad_out)
    assert rel_error(ours(kind, case, grad_out)[1], numeric) < FD_TOL


@pytest.mark.parametrize("kind", KINDS)
def test_dtype_follows_the_input(kind):
    x32 = np.random.default_rng(5).standard_normal((1, 2, 4, 4)).astype(np.float32)
    out, grad_x = ours(kind, PoolCase(x32, 2, None, 0), np.ones((1, 2, 2, 2), np.float32))
    assert out.dtype == grad_x.dtype == np.float32
    exact = torch_pool(kind, PoolCase(x32.astype(np.float64), 2, None, 0), np.ones((1, 2, 2, 2)))
    assert rel_error(out, exact[0]) < 1e-6 and rel_error(grad_x, exact[1]) < 1e-6
    integers = ours(kind, PoolCase(np.arange(16).reshape(1, 1, 4, 4), 2, None, 0),
                    np.ones((1, 1, 2, 2)))
    assert all(a.dtype == np.float64 for a in integers)


# ---------------------------------------------------------------------------------------
# bad input (the cases: bad_input.py)
# ---------------------------------------------------------------------------------------

test_pooling_rejects_bad_input, test_pooling_backward_rejects_bad_grad_out = pool_tests({
    "max_pool2d_forward": pooling.max_pool2d_forward,
    "max_pool2d_backward": pooling.max_pool2d_backward,
    "avg_pool2d_forward": pooling.avg_pool2d_forward,
    "avg_pool2d_backward": pooling.avg_pool2d_backward,
})
