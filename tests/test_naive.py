"""The naive loops, forward and backward, against PyTorch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from bad_input import conv_tests
from hypothesis import assume, given, settings
from strategies import ConvCase, conv_cases

from convcourse import conv_output_size, naive, numerical_gradient, reference, rel_error

TOL = 1e-10  # float64 against torch: both sum the same products, in different orders
FD_TOL = 1e-7  # central differences: exact for a linear map up to rounding ~1e-16 / eps


def torch_grads(case: ConvCase, grad_out: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(grad_x, grad_weight, grad_bias)`` from torch autograd."""
    result = reference.conv2d_grads(grad_out, case.x, case.weight, case.bias, **case.hyper)
    return result.grad_x, result.grad_weight, result.grad_bias


# --------------------------------------------------------------------------------------
# forward
# --------------------------------------------------------------------------------------


@given(conv_cases())
def test_forward_matches_torch_float64(case):
    ours = naive.conv2d_forward(case.x, case.weight, case.bias, **case.hyper)
    theirs = reference.conv2d(case.x, case.weight, case.bias, **case.hyper)
    assert ours.shape == theirs.shape
    assert ours.dtype == np.float64
    assert rel_error(ours, theirs) < TOL


@given(conv_cases(dtype=np.float32, max_batch=2))
def test_forward_float32_in_gives_float32_out(case):
    ours = naive.conv2d_forward(case.x, case.weight, case.bias, **case.hyper)
    assert ours.dtype == np.float32
    assert rel_error(ours, reference.conv2d(case.x, case.weight, case.bias, **case.hyper)) < 1e-5


def test_output_size_formula_matches_forward_shape():
    x = np.zeros((1, 1, 11, 9))
    for kernel, stride, padding, dilation in [
        (3, 1, 0, 1),
        (3, 2, 1, 1),
        (2, 3, 2, 2),
        (5, 1, 2, 1),
    ]:
        out = naive.conv2d_forward(
            x, np.zeros((1, 1, kernel, kernel)), stride=stride, padding=padding, dilation=dilation
        )
        assert out.shape[2] == conv_output_size(11, kernel, stride, padding, dilation)
        assert out.shape[3] == conv_output_size(9, kernel, stride, padding, dilation)


def test_padding_is_applied():
    # A 1x1 all-ones kernel copies the input; padding must add a border of zeros.
    x = np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
    out = naive.conv2d_forward(x, np.ones((1, 1, 1, 1)), padding=1)
    expected = np.zeros((1, 1, 4, 5))
    expected[0, 0, 1:3, 1:4] = x[0, 0]
    np.testing.assert_array_equal(out, expected)


def test_same_padding_with_even_kernel_pads_bottom_right_like_torch():
    rng = np.random.default_rng(3)
    x, weight = rng.standard_normal((1, 2, 5, 6)), rng.standard_normal((3, 2, 2, 4))
    ours = naive.conv2d_forward(x, weight, padding="same")
    assert ours.shape == (1, 3, 5, 6)
    assert rel_error(ours, reference.conv2d(x, weight, padding="same")) < TOL


def test_integer_input_is_promoted_to_float64():
    x = np.arange(16).reshape(1, 1, 4, 4)
    out = naive.conv2d_forward(x, np.ones((1, 1, 2, 2), dtype=np.int64))
    assert out.dtype == np.float64
    assert out[0, 0, 0, 0] == 0 + 1 + 4 + 5


def test_tutorial_example_against_torch_conv2d_module():
    # The example the course grew from: batch 3, 3 channels, 4x4 input, three 2x2
    # kernels, stride 2, against torch.nn.Conv2d in float64.
    torch.manual_seed(0)
    layer = torch.nn.Conv2d(3, 3, kernel_size=2, stride=2, dtype=torch.float64)
    x = np.random.default_rng(0).standard_normal((3, 3, 4, 4))
    theirs = layer(reference.to_torch(x))
    ours = naive.conv2d_forward(
        x, reference.to_numpy(layer.weight), reference.to_numpy(layer.bias), stride=2
    )
    assert ours.shape == (3, 3, 2, 2)
    assert rel_error(ours, theirs) < TOL


# --------------------------------------------------------------------------------------
# backward against torch autograd (float64)
# --------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(conv_cases(max_batch=2))
def test_backward_matches_torch_autograd_float64(case):
    grad_out = case.grad_out()
    grad_x, grad_weight, grad_bias = naive.conv2d_backward(
        grad_out, case.x, case.weight, **case.hyper
    )
    t_grad_x, t_grad_weight, t_grad_bias = torch_grads(case, grad_out)
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
    grad_out = case.grad_out(seed=2)
    ours = naive.conv2d_backward(grad_out, x, weight, **case.hyper)
    for a, b in zip(ours, torch_grads(case, grad_out), strict=True):
        assert rel_error(a, b) < TOL


@settings(max_examples=30, deadline=None)
@given(conv_cases(max_batch=2))
def test_grad_x_is_a_transposed_convolution(case):
    # dL/dx = conv_transpose2d(grad_out, weight) with the forward's hyper-parameters, and
    # output_padding = the rows/columns at the bottom/right that no window reaches.
    geo = case.geometry
    top, bottom, left, right = geo.padding
    assume(top == bottom and left == right)  # "same" with an even kernel: not expressible
    grad_out = case.grad_out(seed=4)
    grad_x = naive.conv2d_backward(grad_out, case.x, case.weight, **case.hyper)[0]
    (s_h, s_w), (reach_h, reach_w) = geo.stride, geo.reach
    padded_h, padded_w = geo.padded_size
    output_padding = ((padded_h - reach_h) % s_h, (padded_w - reach_w) % s_w)
    transposed = F.conv_transpose2d(
        reference.to_torch(grad_out), reference.to_torch(case.weight), stride=geo.stride,
        padding=(top, left), dilation=geo.dilation, groups=geo.groups,
        output_padding=output_padding,
    )
    assert rel_error(grad_x, transposed) < TOL


def test_tutorial_sanity_check_done_properly():
    # The check of the tutorial the course grew from: gradients of sum(conv(X)), N=3,
    # C=3, 4x4, three 2x2 kernels, stride 2, with torch.nn.Conv2d (the tutorial used
    # nn.Conv1d), float64.
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 3, 4, 4))
    conv = torch.nn.Conv2d(3, 3, kernel_size=2, stride=2).double()
    x_t = reference.to_torch(x, requires_grad=True)
    conv(x_t).sum().backward()
    weight = reference.to_numpy(conv.weight)
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
# backward against finite differences (independent of torch)
# --------------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(conv_cases(max_batch=1))
def test_backward_matches_finite_differences(case):
    grad_out = case.grad_out(seed=5)
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
# dtypes
# --------------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(conv_cases(dtype=np.float32, max_batch=2))
def test_backward_float32_in_gives_float32_out(case):
    grad_out = case.grad_out()
    assert grad_out.dtype == np.float32
    grads = naive.conv2d_backward(grad_out, case.x, case.weight, **case.hyper)
    exact = reference.conv2d_grads(
        grad_out.astype(np.float64), case.x.astype(np.float64),
        case.weight.astype(np.float64), **case.hyper,
    )
    for ours, theirs in zip(grads, (exact.grad_x, exact.grad_weight, exact.grad_bias),
                            strict=True):
        assert ours.dtype == np.float32
        assert rel_error(ours, theirs) < 1e-5


def test_integer_input_gives_float64_gradients():
    x = np.arange(16).reshape(1, 1, 4, 4)
    grads = naive.conv2d_backward(np.ones((1, 1, 3, 3)), x, np.ones((1, 1, 2, 2), dtype=int))
    assert all(g.dtype == np.float64 for g in grads)
    assert grads[2][0] == 9.0


# ---------------------------------------------------------------------------------------
# bad input (the cases: bad_input.py)
# ---------------------------------------------------------------------------------------

(
    test_forward_rejects_bad_input,
    test_backward_rejects_the_same_bad_input,
    test_backward_rejects_bad_grad_out,
) = conv_tests(naive.conv2d_forward, naive.conv2d_backward)
