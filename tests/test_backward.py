"""The backward pass (naive and layer) against torch autograd and finite differences.

Also the tools that do the checking: ``rel_error`` and ``numerical_gradient``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from strategies import ConvCase, conv_cases

from convcourse import Conv2d, naive, numerical_gradient, rel_error
from convcourse.validation import check_conv2d

TOL = 1e-10  # float64 against torch: both sum the same products, in different orders
FD_TOL = 1e-7  # central differences: exact for a linear map up to rounding ~1e-16 / eps


def torch_grads(case: ConvCase, grad_out: np.ndarray):
    """``(out, grad_x, grad_weight, grad_bias)`` from torch autograd, as numpy."""
    x = torch.tensor(case.x, requires_grad=True)
    weight = torch.tensor(case.weight, requires_grad=True)
    bias = torch.zeros(case.weight.shape[0], dtype=x.dtype, requires_grad=True)
    out = F.conv2d(x, weight, bias, **case.hyper)
    out.backward(torch.from_numpy(grad_out))
    return out.detach().numpy(), x.grad.numpy(), weight.grad.numpy(), bias.grad.numpy()


def random_grad_out(case: ConvCase, seed: int = 0) -> np.ndarray:
    out = naive.conv2d_forward(case.x, case.weight, None, **case.hyper)
    rng = np.random.default_rng(seed)
    return rng.standard_normal(out.shape).astype(case.x.dtype)


# --------------------------------------------------------------------------------------
# naive.conv2d_backward against torch autograd (float64)
# --------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(conv_cases(max_batch=2))
def test_backward_matches_torch_autograd_float64(case):
    grad_out = random_grad_out(case)
    grad_x, grad_weight, grad_bias = naive.conv2d_backward(
        grad_out, case.x, case.weight, **case.hyper
    )
    _, t_grad_x, t_grad_weight, t_grad_bias = torch_grads(case, grad_out)
    assert grad_x.shape == case.x.shape
    assert grad_weight.shape == case.weight.shape
    assert grad_bias.shape == (case.weight.shape[0],)
    assert grad_x.dtype == grad_weight.dtype == grad_bias.dtype == np.float64
    assert rel_error(grad_x, t_grad_x) < TOL
    assert rel_error(grad_weight, t_grad_weight) < TOL
    assert rel_error(grad_bias, t_grad_bias) < TOL


@pytest.mark.parametrize(
    "hyper",
    [
        {"stride": 2, "padding": 1},
        {"stride": (1, 3), "padding": (2, 0)},
        {"stride": 3, "padding": 0},  # rows and columns the windows never reach
        {"padding": "same", "dilation": (2, 1)},
        {"padding": "same"},  # even kernel: the extra zero goes bottom/right
        {"padding": "valid", "dilation": 2, "stride": 2},
        {"groups": 2, "padding": 1},
    ],
)
def test_backward_matches_torch_on_named_cases(hyper):
    rng = np.random.default_rng(1)
    groups = hyper.get("groups", 1)
    x = rng.standard_normal((2, 4, 7, 8))
    weight = rng.standard_normal((6, 4 // groups, 2, 3))
    case = ConvCase(x, weight, None, hyper.get("stride", 1), hyper.get("padding", 0),
                    hyper.get("dilation", 1), groups)
    grad_out = random_grad_out(case, seed=2)
    ours = naive.conv2d_backward(grad_out, x, weight, **case.hyper)
    theirs = torch_grads(case, grad_out)[1:]
    for a, b in zip(ours, theirs, strict=True):
        assert rel_error(a, b) < TOL


@settings(max_examples=30, deadline=None)
@given(conv_cases(max_batch=2))
def test_grad_x_is_a_transposed_convolution(case):
    # dL/dx = conv_transpose2d(grad_out, weight) with the forward's hyper-parameters, and
    # output_padding = the rows/columns at the bottom/right that no window reaches.
    geo = check_conv2d(case.x, case.weight, None, **case.hyper)
    top, bottom, left, right = geo.padding
    if top != bottom or left != right:  # "same" with an even kernel: not expressible
        return
    grad_out = random_grad_out(case, seed=4)
    grad_x = naive.conv2d_backward(grad_out, case.x, case.weight, **case.hyper)[0]
    (s_h, s_w), (d_h, d_w) = geo.stride, geo.dilation
    reach = (d_h * (geo.kernel_h - 1) + 1, d_w * (geo.kernel_w - 1) + 1)
    padded = (geo.height + top + bottom, geo.width + left + right)
    output_padding = ((padded[0] - reach[0]) % s_h, (padded[1] - reach[1]) % s_w)
    assert output_padding[0] < s_h and output_padding[1] < s_w  # within torch's limit
    transposed = F.conv_transpose2d(
        torch.from_numpy(grad_out), torch.from_numpy(case.weight), stride=geo.stride,
        padding=(top, left), dilation=geo.dilation, groups=geo.groups,
        output_padding=output_padding,
    )
    assert rel_error(grad_x, transposed) < TOL


def test_seed_sanity_check_done_properly():
    # The seed tutorial's check: gradients of sum(conv(X)), N=3, C=3, 4x4, three 2x2
    # kernels, stride 2, with torch.nn.Conv2d (the seed used nn.Conv1d), float64.
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 3, 4, 4))
    conv = torch.nn.Conv2d(3, 3, kernel_size=2, stride=2).double()
    x_t = torch.tensor(x, requires_grad=True)
    conv(x_t).sum().backward()
    weight = conv.weight.detach().numpy()
    grad_x, grad_weight, grad_bias = naive.conv2d_backward(
        np.ones((3, 3, 2, 2)), x, weight, stride=2
    )
    assert rel_error(grad_x, x_t.grad) < TOL
    assert rel_error(grad_weight, conv.weight.grad) < TOL
    assert rel_error(grad_bias, conv.bias.grad) < TOL
    # Every output sums over 2x2 positions of 3 images: d sum / d bias = 3 * 2 * 2.
    np.testing.assert_array_equal(grad_bias, [12.0, 12.0, 12.0])


def test_stride_skipped_pixels_get_zero_gradient():
    # 5 wide, kernel 2, stride 2: column 4 is never in a window.
    x = np.ones((1, 1, 5, 5))
    grad_x, _, _ = naive.conv2d_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)),
                                         stride=2)
    assert np.all(grad_x[0, 0, 4, :] == 0) and np.all(grad_x[0, 0, :, 4] == 0)
    assert np.all(grad_x[0, 0, :4, :4] == 1)


# --------------------------------------------------------------------------------------
# Finite differences (independent of torch)
# --------------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(conv_cases(max_batch=1))
def test_backward_matches_finite_differences(case):
    grad_out = random_grad_out(case, seed=5)
    bias = np.zeros(case.weight.shape[0]) if case.bias is None else case.bias.copy()
    grad_x, grad_weight, grad_bias = naive.conv2d_backward(
        grad_out, case.x, case.weight, **case.hyper
    )

    def by_x(x):
        return naive.conv2d_forward(x, case.weight, bias, **case.hyper)

    def by_weight(w):
        return naive.conv2d_forward(case.x, w, bias, **case.hyper)

    def by_bias(b):
        return naive.conv2d_forward(case.x, case.weight, b, **case.hyper)

    assert rel_error(grad_x, numerical_gradient(by_x, case.x.copy(), grad_out)) < FD_TOL
    numeric_weight = numerical_gradient(by_weight, case.weight.copy(), grad_out)
    assert rel_error(grad_weight, numeric_weight) < FD_TOL
    assert rel_error(grad_bias, numerical_gradient(by_bias, bias.copy(), grad_out)) < FD_TOL


# --------------------------------------------------------------------------------------
# dtypes and argument errors
# --------------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(conv_cases(dtype=np.float32, max_batch=2))
def test_float32_in_gives_float32_out(case):
    grad_out = random_grad_out(case)
    assert grad_out.dtype == np.float32
    grads = naive.conv2d_backward(grad_out, case.x, case.weight, **case.hyper)
    exact = torch_grads(
        ConvCase(case.x.astype(np.float64), case.weight.astype(np.float64), None,
                 case.stride, case.padding, case.dilation, case.groups),
        grad_out.astype(np.float64),
    )[1:]
    for ours, reference in zip(grads, exact, strict=True):
        assert ours.dtype == np.float32
        assert rel_error(ours, reference) < 1e-5


def test_integer_input_gives_float64_gradients():
    x = np.arange(16).reshape(1, 1, 4, 4)
    grads = naive.conv2d_backward(np.ones((1, 1, 3, 3)), x, np.ones((1, 1, 2, 2), dtype=int))
    assert all(g.dtype == np.float64 for g in grads)
    assert grads[2][0] == 9.0


def test_grad_out_of_wrong_shape_is_refused_with_both_shapes():
    x, weight = np.zeros((2, 3, 6, 6)), np.zeros((4, 3, 3, 3))
    with pytest.raises(ValueError, match="grad_out") as info:
        naive.conv2d_backward(np.zeros((2, 4, 5, 4)), x, weight, stride=1, padding=0)
    message = str(info.value)
    assert "(2, 4, 4, 4)" in message and "(2, 4, 5, 4)" in message


@pytest.mark.parametrize(
    ("grad_out", "error", "pattern"),
    [
        ([[1.0]], TypeError, "grad_out must be a numpy.ndarray"),
        (np.zeros((4, 4, 4)), ValueError, "grad_out must be 4-D"),
        (np.zeros((2, 4, 4, 4), dtype=complex), TypeError, "grad_out must hold real numbers"),
        (np.zeros((2, 5, 4, 4)), ValueError, r"\(2, 4, 4, 4\)"),
    ],
)
def test_bad_grad_out_raises(grad_out, error, pattern):
    with pytest.raises(error, match=pattern):
        naive.conv2d_backward(grad_out, np.zeros((2, 3, 6, 6)), np.zeros((4, 3, 3, 3)))


def test_backward_validates_the_forward_arguments_too():
    x, weight = np.zeros((1, 3, 6, 6)), np.zeros((4, 2, 3, 3))
    with pytest.raises(ValueError, match="x has 3 channels but weight expects 2"):
        naive.conv2d_backward(np.zeros((1, 4, 4, 4)), x, weight)
    with pytest.raises(ValueError, match="stride"):
        naive.conv2d_backward(np.zeros((1, 4, 4, 4)), x, np.zeros((4, 3, 3, 3)), stride=0)


# --------------------------------------------------------------------------------------
# The Conv2d layer against torch.nn.Conv2d
# --------------------------------------------------------------------------------------


def torch_twin(layer: Conv2d) -> torch.nn.Conv2d:
    """A float64 ``torch.nn.Conv2d`` with the layer's hyper-parameters and weights."""
    twin = torch.nn.Conv2d(
        layer.in_channels, layer.out_channels, layer.kernel_size, stride=layer.stride,
        padding=layer.padding, dilation=layer.dilation, groups=layer.groups,
        bias=layer.bias is not None,
    ).double()
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.weight))
        if layer.bias is not None:
            twin.bias.copy_(torch.from_numpy(layer.bias))
    return twin


@pytest.mark.parametrize(
    "kwargs",
    [
        {"in_channels": 3, "out_channels": 4, "kernel_size": 3},
        {"in_channels": 2, "out_channels": 3, "kernel_size": (2, 3), "stride": 2, "padding": 1},
        {"in_channels": 4, "out_channels": 2, "kernel_size": 3, "padding": "same",
         "dilation": 2, "groups": 2},
        {"in_channels": 3, "out_channels": 3, "kernel_size": (3, 1), "stride": (2, 1),
         "padding": (1, 0), "bias": False},
    ],
)
def test_layer_matches_torch_conv2d(kwargs):
    layer = Conv2d(**kwargs, rng=0)
    if layer.bias is not None:  # zeros at init; make the bias matter
        layer.bias = np.random.default_rng(1).standard_normal(layer.out_channels)
    twin = torch_twin(layer)
    x = np.random.default_rng(2).standard_normal((2, layer.in_channels, 7, 6))
    out = layer.forward(x)
    x_t = torch.tensor(x, requires_grad=True)
    out_t = twin(x_t)
    assert rel_error(out, out_t) < TOL

    grad_out = np.random.default_rng(3).standard_normal(out.shape)
    grad_x = layer.backward(grad_out)
    out_t.backward(torch.from_numpy(grad_out))
    assert rel_error(grad_x, x_t.grad) < TOL
    assert rel_error(layer.grad_weight, twin.weight.grad) < TOL
    if layer.bias is None:
        assert layer.grad_bias is None and twin.bias is None
    else:
        assert rel_error(layer.grad_bias, twin.bias.grad) < TOL


def test_layer_backward_uses_the_last_forward():
    layer = Conv2d(2, 3, 3, rng=0)
    rng = np.random.default_rng(4)
    first, second = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 2, 6, 4))
    layer.forward(first)
    out = layer.forward(second)
    grad_out = rng.standard_normal(out.shape)
    grad_x = layer.backward(grad_out)
    expected = naive.conv2d_backward(grad_out, second, layer.weight)
    assert rel_error(grad_x, expected[0]) < TOL
    assert rel_error(layer.grad_weight, expected[1]) < TOL


def test_layer_without_bias():
    layer = Conv2d(2, 3, 2, bias=False, rng=0)
    assert layer.bias is None
    out = layer.forward(np.ones((1, 2, 3, 3)))
    layer.backward(np.ones_like(out))
    assert layer.grad_bias is None
    assert layer.grad_weight.shape == (3, 2, 2, 2)
    np.testing.assert_allclose(layer.grad_weight, 4.0)  # each tap sees four ones


def test_layer_backward_before_forward_is_a_clear_error():
    layer = Conv2d(1, 1, 3, rng=0)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 1, 2, 2)))
    assert layer.grad_weight is None and layer.grad_bias is None


def test_layer_grad_out_of_wrong_shape():
    layer = Conv2d(2, 3, 3, rng=0)
    layer.forward(np.zeros((1, 2, 5, 5)))
    with pytest.raises(ValueError, match="grad_out") as info:
        layer.backward(np.zeros((1, 3, 5, 5)))
    assert "(1, 3, 3, 3)" in str(info.value) and "(1, 3, 5, 5)" in str(info.value)
    with pytest.raises(TypeError, match="grad_out"):
        layer.backward([[0.0]])


# --------------------------------------------------------------------------------------
# rel_error
# --------------------------------------------------------------------------------------


def test_rel_error_values():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 2.2)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0  # no division by zero
    assert rel_error(np.zeros((0, 2)), np.zeros((0, 2))) == 0.0
    assert rel_error(3.0, 3.0) == 0.0
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
    assert np.allclose(a, wrong, atol=1e6)  # the seed's check: passes anyway
    assert rel_error(a, wrong) > 0.1


def test_rel_error_accepts_tensors():
    t = torch.tensor([1.0, -4.0], dtype=torch.float64, requires_grad=True)
    assert rel_error(t, np.array([1.0, -3.0])) == pytest.approx(0.25)


def test_rel_error_argument_errors():
    with pytest.raises(ValueError, match=r"same shape.*\(2,\).*\(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match="a must be"):
        rel_error([1.0], np.zeros(1))
    with pytest.raises(TypeError, match="b must hold real numbers"):
        rel_error(np.zeros(1), np.zeros(1, dtype=complex))


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
        ({"eps": True}, ValueError, "eps must be a positive number"),
    ],
)
def test_numerical_gradient_argument_errors(kwargs, error, pattern):
    arguments = {"f": np.sin, "x": np.zeros(2), "grad_out": np.ones(2)} | kwargs
    with pytest.raises(error, match=pattern):
        numerical_gradient(**arguments)


def test_layer_keeps_its_own_copy_of_the_input():
    layer = Conv2d(1, 1, 2, rng=0)
    x = np.ones((1, 1, 3, 3))
    out = layer.forward(x)
    x[:] = 5.0  # changing the caller's array must not change the gradients
    layer.backward(np.ones_like(out))
    np.testing.assert_array_equal(layer.grad_weight, np.full((1, 1, 2, 2), 4.0))


def test_layer_gradients_have_the_parameters_dtype():
    layer = Conv2d(2, 3, 2, rng=0)
    out = layer.forward(np.ones((1, 2, 3, 3), dtype=np.float32))
    layer.backward(np.ones_like(out))
    assert layer.grad_weight.dtype == layer.weight.dtype == np.float64
    assert layer.grad_bias.dtype == np.float64


def test_rel_error_rejects_a_non_positive_floor():
    with pytest.raises(ValueError, match=r"floor must be a positive number, got -1\.0"):
        rel_error(np.zeros(2), np.zeros(2), floor=-1.0)
