"""Finite differences and the relative error: the course's own gradient checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convcourse import numerical_gradient, rel_error

# --------------------------------------------------------------------------------------
# rel_error
# --------------------------------------------------------------------------------------


def test_rel_error_values():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 2.2)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0  # no division by zero
    assert rel_error(np.zeros((0, 2)), np.zeros((0, 2))) == 0.0
    assert rel_error(3.0, 3.0) == 0.0
    assert rel_error(np.float32(2.0), np.int64(2)) == 0.0  # numpy scalars too
    assert rel_error(np.array([1, 2]), np.array([1.0, 2.0])) == 0.0  # ints are fine


def test_rel_error_is_symmetric_and_scale_free():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(10), rng.standard_normal(10)
    assert rel_error(a, b) == rel_error(b, a)
    assert rel_error(1e6 * a, 1e6 * b) == pytest.approx(rel_error(a, b), rel=1e-12)
    assert rel_error(1e-6 * a, 1e-6 * b) == pytest.approx(rel_error(a, b), rel=1e-12)


def test_rel_error_catches_what_a_huge_atol_hides():
    a = np.array([1.0, 2.0, 3.0])
    wrong = a + np.array([0.0, 0.5, 0.0])
    assert np.allclose(a, wrong, atol=1e6)  # the tutorial's check: passes anyway
    assert rel_error(a, wrong) > 0.1


def test_rel_error_accepts_tensors():
    t = torch.tensor([1.0, -4.0], dtype=torch.float64, requires_grad=True)
    assert rel_error(t, np.array([1.0, -3.0])) == pytest.approx(0.25)


def test_rel_error_argument_errors():
    with pytest.raises(ValueError, match=r"same shape.*\(2,\).*\(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match="a must be"):
        rel_error([1.0], np.zeros(1))
    with pytest.raises(TypeError, match="a must be"):
        rel_error(True, np.zeros(1))
    with pytest.raises(TypeError, match="b must hold real numbers"):
        rel_error(np.zeros(1), np.zeros(1, dtype=complex))


@pytest.mark.parametrize(
    ("floor", "error"), [(-1.0, ValueError), (0, ValueError), (True, TypeError)]
)
def test_rel_error_rejects_a_bad_floor(floor, error):
    with pytest.raises(error, match=rf"floor must be a positive number, got {floor!r}"):
        rel_error(np.zeros(2), np.zeros(2), floor=floor)


# --------------------------------------------------------------------------------------
# numerical_gradient
# --------------------------------------------------------------------------------------


def test_numerical_gradient_of_a_nonlinear_function():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    grad_out = rng.standard_normal((3, 4))
    before = x.copy()
    estimate = numerical_gradient(np.sin, x, grad_out)
    np.testing.assert_array_equal(x, before)  # perturbed and restored
    assert rel_error(estimate, np.cos(x) * grad_out) < 1e-8


def test_numerical_gradient_with_a_different_output_shape():
    x = np.array([1.0, 2.0, 3.0])

    # f(x) = [sum(x), x0 * x1]; L = 2 f0 + 5 f1 -> dL/dx = [2 + 5 x1, 2 + 5 x0, 2]
    def f(v):
        return np.array([v.sum(), v[0] * v[1]])

    estimate = numerical_gradient(f, x, np.array([2.0, 5.0]))
    assert rel_error(estimate, np.array([12.0, 7.0, 2.0])) < 1e-8


@pytest.mark.parametrize(
    ("f", "grad_out", "expected"),
    [
        # f returns its input itself, a reshaped view, a slice: dL/dx is grad_out placed
        # where each output came from (this returned zeros when f(x) was not copied).
        (lambda v: v, np.arange(1.0, 7.0).reshape(2, 3), np.arange(1.0, 7.0).reshape(2, 3)),
        (lambda v: v.reshape(3, 2), np.arange(1.0, 7.0).reshape(3, 2),
         np.arange(1.0, 7.0).reshape(2, 3)),
        (lambda v: v[:, 1:], np.ones((2, 2)), np.array([[0.0, 1, 1], [0, 1, 1]])),
        (lambda v: v.T * 2.0, np.ones((3, 2)), np.full((2, 3), 2.0)),
    ],
)
def test_numerical_gradient_when_f_returns_a_view_of_x(f, grad_out, expected):
    x = np.random.default_rng(1).standard_normal((2, 3))
    assert rel_error(numerical_gradient(f, x, grad_out), expected) < 1e-9


def test_numerical_gradient_error_shrinks_like_eps_squared():
    x = np.array([0.7])
    exact = np.array([np.exp(0.7)])
    big = rel_error(numerical_gradient(np.exp, x, np.ones(1), eps=1e-2), exact)
    small = rel_error(numerical_gradient(np.exp, x, np.ones(1), eps=1e-3), exact)
    assert 80 < big / small < 120  # ten times smaller step, a hundred times smaller error


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"f": "sin"}, TypeError, "f must be callable"),
        ({"x": np.zeros(2, dtype=np.float32)}, TypeError, "x must be a float64.*float32"),
        ({"x": [0.0, 1.0]}, TypeError, "x must be a float64.*list"),
        ({"grad_out": [1.0, 1.0]}, TypeError, "grad_out must be a numpy.ndarray"),
        ({"grad_out": np.ones(3)}, ValueError, r"grad_out must have the shape.*\(2,\).*\(3,\)"),
        ({"eps": 0.0}, ValueError, "eps must be a positive number"),
        ({"eps": -1e-6}, ValueError, "eps must be a positive number"),
        ({"eps": True}, TypeError, "eps must be a positive number"),
        ({"eps": "1e-6"}, TypeError, "eps must be a positive number"),
    ],
)
def test_numerical_gradient_argument_errors(kwargs, error, pattern):
    arguments = {"f": np.sin, "x": np.zeros(2), "grad_out": np.ones(2)} | kwargs
    with pytest.raises(error, match=pattern):
        numerical_gradient(**arguments)
