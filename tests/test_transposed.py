"""The transposed convolution, loops (transposed) and vectorised (fast_transposed),
against torch, finite differences and the convolution it is the gradient of."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from strategies import TransposeCase, conv_transpose_cases

from convcourse import (
    conv_output_size,
    conv_transpose_output_size,
    fast_transposed,
    naive,
    numerical_gradient,
    reference,
    rel_error,
    transposed,
)

pytestmark = pytest.mark.usefixtures("one_thread")

TOL = 1e-10  # float64 against torch: the same products summed in different orders
FD_TOL = 1e-7  # central differences of a linear map: rounding ~1e-16 / eps
IMPLEMENTATIONS = [transposed, fast_transposed]


def _escaped(message: str) -> str:
    """``message`` as a regular expression that matches it literally."""
    return "".join("\\" + c if c in "()[].*+?^$|{}\\" else c for c in message)


def forward(module, case: TransposeCase) -> np.ndarray:
    return module.conv_transpose2d_forward(case.x, case.weight, case.bias, **case.hyper)


def backward(module, case: TransposeCase, grad_out: np.ndarray) -> tuple[np.ndarray, ...]:
    return module.conv_transpose2d_backward(grad_out, case.x, case.weight, **case.hyper)


def torch_all(case: TransposeCase, grad_out: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(out, grad_x, grad_weight, grad_bias)`` from torch autograd."""
    r = reference.conv_transpose2d_grads(grad_out, case.x, case.weight, case.bias, **case.hyper)
    return r.out, r.grad_x, r.grad_weight, r.grad_bias


# --------------------------------------------------------------------------------------
# against torch (float64), both implementations, forward and backward
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=["naive", "fast"])
@given(case=conv_transpose_cases())
def test_matches_torch_float64(module, case):
    grad_out = case.grad_out(seed=1)
    ours = (forward(module, case), *backward(module, case, grad_out))
    theirs = torch_all(case, grad_out)
    for name, a, b in zip(("out", "grad_x", "grad_weight", "grad_bias"), ours, theirs,
                          strict=True):
        assert a.shape == b.shape, name
        assert a.dtype == np.float64, name
        assert rel_error(a, b) < TOL, name


@given(case=conv_transpose_cases())
def test_fast_matches_naive(case):
    grad_out = case.grad_out(seed=2)
    loops = (forward(transposed, case), *backward(transposed, case, grad_out))
    vectorised = (forward(fast_transposed, case), *backward(fast_transposed, case, grad_out))
    for a, b in zip(loops, vectorised, strict=True):
        assert rel_error(a, b) < TOL


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=["naive", "fast"])
def test_upsampling_by_two_matches_torch_module(module):
    # The layer of decoders: kernel 4, stride 2, padding 1 doubles the size.
    rng = np.random.default_rng(0)
    layer = torch.nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, dtype=torch.float64)
    x = rng.standard_normal((2, 3, 5, 7))
    ours = module.conv_transpose2d_forward(x, reference.to_numpy(layer.weight),
                                           reference.to_numpy(layer.bias), stride=2, padding=1)
    assert ours.shape == (2, 2, 10, 14)
    assert rel_error(ours, layer(reference.to_torch(x))) < TOL


# --------------------------------------------------------------------------------------
# the identities: the gradient of a convolution, and a convolution as its gradient
# --------------------------------------------------------------------------------------


def _conv_hyper(case: TransposeCase) -> dict:
    return {"stride": case.stride, "padding": case.padding, "dilation": case.dilation,
            "groups": case.groups}


def _extended(case: TransposeCase) -> np.ndarray:
    """``x`` with zeros on the rows and columns of windows past it (output_padding of a
    whole stride or more: see ConvTransposeGeometry)."""
    geo = case.geometry
    e_h, e_w = geo.extra
    return np.pad(case.x, [(0, 0), (0, 0), (0, e_h), (0, e_w)])


@given(case=conv_transpose_cases(max_batch=2))
def test_forward_is_the_input_gradient_of_a_convolution(case):
    # conv2d maps an (N, C_out, H_out, W_out) image to x's size with the same weight;
    # its input gradient, for upstream gradient x, is the transposed convolution of x.
    out = transposed.conv_transpose2d_forward(case.x, case.weight, **case.hyper)
    grad_x = naive.conv2d_backward(_extended(case), np.zeros(out.shape), case.weight,
                                   **_conv_hyper(case))[0]
    assert rel_error(out, grad_x) < TOL


@given(case=conv_transpose_cases(max_batch=2))
def test_input_gradient_is_a_convolution(case):
    grad_out = case.grad_out(seed=3)
    grad_x, grad_weight, _ = transposed.conv_transpose2d_backward(
        grad_out, case.x, case.weight, **case.hyper
    )
    height, width = case.x.shape[2:]
    conv = naive.conv2d_forward(grad_out, case.weight, **_conv_hyper(case))
    assert rel_error(grad_x, conv[:, :, :height, :width]) < TOL
    # and the weight gradient is that convolution's, with x as its upstream gradient
    conv_grad_weight = naive.conv2d_backward(_extended(case), grad_out, case.weight,
                                             **_conv_hyper(case))[1]
    assert rel_error(grad_weight, conv_grad_weight) < TOL


def test_output_padding_of_a_whole_stride_adds_windows_with_nothing_to_scatter():
    # stride 1, dilation 3: output_padding may be 2, two rows past every stamp.
    rng = np.random.default_rng(4)
    case = TransposeCase(rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 1, 2, 2)),
                         None, 1, 0, 2, 1, 3)
    assert case.geometry.extra == (2, 2)
    out = forward(transposed, case)
    assert out.shape == (1, 1, 8, 8)
    assert np.all(out[..., 6:, :] == 0) and np.all(out[..., :, 6:] == 0)
    assert rel_error(out, reference.conv_transpose2d(case.x, case.weight, **case.hyper)) < TOL


# --------------------------------------------------------------------------------------
# finite differences (independent of torch)
# --------------------------------------------------------------------------------------


def test_backward_matches_finite_differences():
    rng = np.random.default_rng(5)
    case = TransposeCase(rng.standard_normal((2, 4, 3, 2)), rng.standard_normal((4, 1, 3, 2)),
                         rng.standard_normal(2), (2, 1), (1, 0), (1, 0), 2, (1, 2))
    grad_out = case.grad_out(seed=6)
    grad_x, grad_weight, grad_bias = backward(transposed, case, grad_out)
    hyper = case.hyper

    def by_x(x):
        return transposed.conv_transpose2d_forward(x, case.weight, case.bias, **hyper)

    def by_weight(w):
        return transposed.conv_transpose2d_forward(case.x, w, case.bias, **hyper)

    def by_bias(b):
        return transposed.conv_transpose2d_forward(case.x, case.weight, b, **hyper)

    assert rel_error(grad_x, numerical_gradient(by_x, case.x.copy(), grad_out)) < FD_TOL
    numeric_weight = numerical_gradient(by_weight, case.weight.copy(), grad_out)
    assert rel_error(grad_weight, numeric_weight) < FD_TOL
    assert rel_error(grad_bias, numerical_gradient(by_bias, case.bias.copy(), grad_out)) < FD_TOL


# --------------------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=["naive", "fast"])
@given(case=conv_transpose_cases(dtype=np.float32, max_batch=2))
def test_float32_in_gives_float32_out(module, case):
    grad_out = case.grad_out()
    exact = reference.conv_transpose2d_grads(
        grad_out.astype(np.float64), case.x.astype(np.float64),
        case.weight.astype(np.float64),
        None if case.bias is None else case.bias.astype(np.float64), **case.hyper,
    )
    ours = (forward(module, case), *backward(module, case, grad_out))
    theirs = (exact.out, exact.grad_x, exact.grad_weight, exact.grad_bias)
    for a, b in zip(ours, theirs, strict=True):
        assert a.dtype == np.float32
        assert rel_error(a, b) < 1e-5


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=["naive", "fast"])
def test_integer_input_gives_float64(module):
    x, weight = np.arange(4).reshape(1, 1, 2, 2), np.ones((1, 1, 2, 2), dtype=int)
    out = module.conv_transpose2d_forward(x, weight)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out[0, 0], [[0, 1, 1], [2, 6, 4], [2, 5, 3]])
    grads = module.conv_transpose2d_backward(np.ones((1, 1, 3, 3), dtype=int), x, weight)
    assert all(g.dtype == np.float64 for g in grads)


# --------------------------------------------------------------------------------------
# the output size
# --------------------------------------------------------------------------------------


@given(case=conv_transpose_cases(max_batch=1))
def test_output_size_formula_matches_forward_shape(case):
    geo = case.geometry
    out = reference.conv_transpose2d(case.x, case.weight, **case.hyper)
    output_padding = np.broadcast_to(case.output_padding, 2)
    for axis in (0, 1):
        expected = conv_transpose_output_size(
            case.x.shape[2 + axis], case.weight.shape[2 + axis], geo.stride[axis],
            geo.padding[2 * axis], int(output_padding[axis]), geo.dilation[axis],
        )
        assert out.shape[2 + axis] == expected
    assert out.shape == geo.output_shape


@pytest.mark.parametrize("size", range(1, 9))
@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation"),
                         [(3, 2, 1, 1), (4, 2, 1, 1), (3, 3, 0, 2), (2, 1, 1, 2)])
def test_output_padding_picks_each_size_a_convolution_maps_back(size, kernel, stride,
                                                                padding, dilation):
    # A convolution maps s inputs sizes to one output size (floor); output_padding
    # chooses which of them the transposed convolution produces.
    try:
        down = conv_output_size(size, kernel, stride, padding, dilation)
    except ValueError:
        return  # the kernel does not fit: no convolution to invert
    op = (size + 2 * padding - dilation * (kernel - 1) - 1) % stride
    assert conv_transpose_output_size(down, kernel, stride, padding, op, dilation) == size


@pytest.mark.parametrize(("stride", "dilation"), [(1, 1), (2, 1), (1, 3), (2, 3), (3, 2)])
def test_output_padding_rule_is_torchs(stride, dilation):
    x, weight = np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2))
    for output_padding in range(4):
        try:
            reference.conv_transpose2d(x, weight, stride=stride, output_padding=output_padding,
                                       dilation=dilation)
            torch_accepts = True
        except RuntimeError:
            torch_accepts = False
        try:
            conv_transpose_output_size(3, 2, stride, 0, output_padding, dilation)
            ours = True
        except ValueError as error:
            assert "output_padding must be smaller than the stride or the dilation" in str(error)
            ours = False
        assert ours == torch_accepts, (stride, dilation, output_padding)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"size": 2.0}, TypeError, "size must be an int, got 2.0"),
        ({"size": 0}, ValueError, "size must be at least 1, got 0"),
        ({"kernel_size": True}, TypeError, "kernel_size must be an int, got True"),
        ({"stride": 0}, ValueError, "stride must be at least 1, got 0"),
        ({"padding": -1}, ValueError, "padding must be at least 0, got -1"),
        ({"output_padding": -1}, ValueError, "output_padding must be at least 0, got -1"),
        ({"output_padding": 2, "stride": 2}, ValueError,
         "output_padding must be smaller than the stride or the dilation on each axis, got "
         "output_padding=2 with stride=(2, 2), dilation=(1, 1)"),
        ({"dilation": 0}, ValueError, "dilation must be at least 1, got 0"),
        ({"padding": 3}, ValueError, "padding=3 crops the whole output: the transposed "
         "convolution spans 4 before cropping (size=2, kernel_size=3, stride=1, dilation=1), "
         "and output_padding=0"),
    ],
)
def test_output_size_refuses_bad_arguments(arguments, error, message):
    given_arguments = {"size": 2, "kernel_size": 3, **arguments}
    with pytest.raises(error, match=_escaped(message)):
        conv_transpose_output_size(**given_arguments)


# --------------------------------------------------------------------------------------
# bad arguments: refused by both implementations, forward and backward, named
# --------------------------------------------------------------------------------------

_X = np.zeros((2, 4, 3, 3))
_W = np.zeros((4, 3, 2, 2))  # C_in 4, C_out 3 with groups=1

BAD = {
    "x not an array": ({"x": _X.tolist()}, TypeError,
                       "x must be a numpy.ndarray (N, C_in, H, W), got list"),
    "x complex": ({"x": _X.astype(complex)}, TypeError,
                  "x must hold real numbers, got dtype complex128"),
    "x 3-D": ({"x": _X[0]}, ValueError, "x must be 4-D (N, C_in, H, W), got shape (4, 3, 3)"),
    "x empty": ({"x": _X[:0]}, ValueError, "x must not be empty, got shape (0, 4, 3, 3)"),
    "weight 3-D": ({"weight": _W[0]}, ValueError,
                   "weight must be 4-D (in_channels, out_channels // groups, kh, kw), "
                   "got shape (3, 2, 2)"),
    "channels": ({"weight": np.zeros((5, 3, 2, 2))}, ValueError,
                 "x has 4 channels but weight expects 5 (weight shape (5, 3, 2, 2): "
                 "(in_channels, out_channels // groups, kh, kw) for a transposed convolution)"),
    "groups not dividing": ({"groups": 3}, ValueError,
                            "groups=3 must divide in_channels=4, the first axis of weight"),
    "groups zero": ({"groups": 0}, ValueError, "groups must be at least 1, got 0"),
    "groups float": ({"groups": 2.0}, TypeError, "groups must be an int, got 2.0"),
    "stride zero": ({"stride": (1, 0)}, ValueError,
                    "stride must be at least 1 on each axis, got (1, 0)"),
    "stride float": ({"stride": 1.5}, TypeError,
                     "stride must be an int or a pair of ints (h, w), got 1.5"),
    "padding negative": ({"padding": -1}, ValueError,
                         "padding must be at least 0 on each axis, got -1"),
    "padding same": ({"padding": "same"}, TypeError,
                     "padding must be an int or a pair of ints (h, w), got 'same'"),
    "output_padding too large": (
        {"output_padding": (0, 1)}, ValueError,
        "output_padding must be smaller than the stride or the dilation on each axis, got "
        "output_padding=(0, 1) with stride=(1, 1), dilation=(1, 1)"),
    "output_padding triple": ({"output_padding": (0, 0, 0)}, TypeError,
                              "output_padding must be an int or a pair of ints (h, w)"),
    "dilation zero": ({"dilation": 0}, ValueError,
                      "dilation must be at least 1 on each axis, got 0"),
    "output empty": ({"padding": (0, 3)}, ValueError,
                     "padding=(0, 3) crops the whole output: the transposed convolution spans "
                     "4x4 before cropping (input 3x3)"),
}

BAD_BIAS = {
    "bias not an array": ({"bias": [0.0, 0.0, 0.0]}, TypeError,
                          "bias must be a numpy.ndarray (out_channels,), got list"),
    "bias length": ({"bias": np.zeros(4)}, ValueError,
                    "bias must have one entry per output channel (3), got shape (4,)"),
}


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=["naive", "fast"])
@pytest.mark.parametrize("kind", [*BAD, *BAD_BIAS])
def test_forward_refuses_bad_arguments(module, kind):
    change, error, message = {**BAD, **BAD_BIAS}[kind]
    arguments = {"x": _X, "weight": _W, "bias": None, **change}
    with pytest.raises(error, match=_escaped(message)):
        module.conv_transpose2d_forward(**arguments)


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=["naive", "fast"])
@pytest.mark.parametrize("kind", BAD)
def test_backward_refuses_bad_arguments(module, kind):
    change, error, message = BAD[kind]
    arguments = {"grad_out": np.zeros((2, 3, 4, 4)), "x": _X, "weight": _W, **change}
    with pytest.raises(error, match=_escaped(message)):
        module.conv_transpose2d_backward(**arguments)


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=["naive", "fast"])
@pytest.mark.parametrize(
    ("grad_out", "error", "message"),
    [
        (np.zeros((2, 3, 4, 5)), ValueError,
         "grad_out must have the forward output's shape (2, 3, 4, 4), got (2, 3, 4, 5)"),
        (np.zeros((2, 3, 4)), ValueError, "grad_out must be 4-D (N, C_out, H_out, W_out)"),
        ("zeros", TypeError, "grad_out must be a numpy.ndarray"),
    ],
)
def test_backward_refuses_bad_grad_out(module, grad_out, error, message):
    with pytest.raises(error, match=_escaped(message)):
        module.conv_transpose2d_backward(grad_out, _X, _W)
