"""convcourse.fast against the naive loops and against torch, forward and backward."""

from __future__ import annotations

import contextlib
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import ConvCase, conv_cases

from convcourse import fast, naive, rel_error
from convcourse.validation import check_conv2d

TOL64 = 1e-10
TOL32 = 1e-5


@contextlib.contextmanager
def grid_layout(whole_grid: bool):
    """Force the whole-padded-grid layout (stride 1) on, or the exact grid everywhere."""
    saved = fast._MAX_GRID_WASTE
    fast._MAX_GRID_WASTE = 1e9 if whole_grid else 0.0
    try:
        yield
    finally:
        fast._MAX_GRID_WASTE = saved


def torch_all(case: ConvCase, grad_out: np.ndarray):
    """``(out, grad_x, grad_weight, grad_bias)`` from torch autograd, as numpy."""
    x = torch.tensor(case.x, requires_grad=True)
    weight = torch.tensor(case.weight, requires_grad=True)
    bias = None if case.bias is None else torch.tensor(case.bias)
    out = F.conv2d(x, weight, bias, **case.hyper)
    out.backward(torch.from_numpy(grad_out))
    return out.detach().numpy(), x.grad.numpy(), weight.grad.numpy(), grad_out.sum((0, 2, 3))


def grad_out_for(case: ConvCase) -> np.ndarray:
    shape = check_conv2d(case.x, case.weight, None, **case.hyper).output_shape
    return np.random.default_rng(1).standard_normal(shape).astype(case.x.dtype)


def fast_all(case: ConvCase, grad_out: np.ndarray, **options):
    out = fast.conv2d_forward(case.x, case.weight, case.bias, **case.hyper, **options)
    grads = fast.conv2d_backward(grad_out, case.x, case.weight, **case.hyper, **options)
    return (out, *grads)


@settings(max_examples=60, deadline=None)
@given(conv_cases(max_batch=3), st.booleans())
def test_fast_matches_naive_and_torch_float64(case, whole_grid):
    grad_out = grad_out_for(case)
    with grid_layout(whole_grid):
        ours = fast_all(case, grad_out)
    reference = (
        naive.conv2d_forward(case.x, case.weight, case.bias, **case.hyper),
        *naive.conv2d_backward(grad_out, case.x, case.weight, **case.hyper),
    )
    theirs = torch_all(case, grad_out)
    for mine, slow, torch_value in zip(ours, reference, theirs, strict=True):
        assert mine.shape == slow.shape == torch_value.shape
        assert mine.dtype == np.float64
        assert rel_error(mine, slow) < TOL64
        assert rel_error(mine, torch_value) < TOL64


@settings(max_examples=30, deadline=None)
@given(conv_cases(dtype=np.float32, max_batch=2), st.booleans())
def test_float32_stays_float32_within_rounding(case, whole_grid):
    grad_out = grad_out_for(case)
    with grid_layout(whole_grid):
        ours = fast_all(case, grad_out)
    for mine, torch_value in zip(ours, torch_all(case, grad_out), strict=True):
        assert mine.dtype == np.float32
        assert rel_error(mine, torch_value) < TOL32


@settings(max_examples=25, deadline=None)
@given(conv_cases(max_batch=5), st.booleans(), st.integers(1, 4))
def test_chunking_gives_identical_results(case, whole_grid, images_per_chunk):
    """A budget that fits only a few images runs several chunks, same numbers."""
    grad_out = grad_out_for(case)
    with grid_layout(whole_grid):
        geo = check_conv2d(case.x, case.weight, None, **case.hyper)
        per_image = fast.chunk_size(geo, 8, memory_budget=1)  # always 1 image
        assert per_image == 1
        gh, gw, _ = fast._grid(geo)
        budget = images_per_chunk * geo.in_channels * geo.kernel_h * geo.kernel_w * gh * gw * 8
        assert fast.chunk_size(geo, 8, budget) == min(images_per_chunk, geo.batch)
        whole = fast_all(case, grad_out)
        chunked = fast_all(case, grad_out, memory_budget=budget)
    for a, b in zip(whole, chunked, strict=True):
        # The same sums of the same products; only the rounding may differ, because
        # BLAS blocks a product differently when its shape changes, and grad_weight
        # is summed chunk by chunk.
        assert a.shape == b.shape
        assert rel_error(a, b) < 1e-14


def test_realistic_layer_several_chunks_against_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 8, 12, 10))
    weight = rng.standard_normal((6, 8, 3, 3))
    bias = rng.standard_normal(6)
    case = ConvCase(x, weight, bias, stride=1, padding=1, dilation=1, groups=1)
    grad_out = grad_out_for(case)
    geo = check_conv2d(x, weight, bias, padding=1)
    gh, gw, _ = fast._grid(geo)
    budget = 3 * 8 * 9 * gh * gw * 8  # three images' columns
    assert fast.chunk_size(geo, 8, budget) == 3  # chunks of 3, 3 and 1 images
    for mine, theirs in zip(
        fast_all(case, grad_out, memory_budget=budget), torch_all(case, grad_out), strict=True
    ):
        assert rel_error(mine, theirs) < TOL64


def test_integer_input_is_computed_in_float64():
    x = np.arange(32).reshape(1, 2, 4, 4)
    weight = np.ones((1, 2, 2, 2), dtype=np.int64)
    out = fast.conv2d_forward(x, weight)
    np.testing.assert_array_equal(out, naive.conv2d_forward(x, weight))
    assert out.dtype == np.float64
    grads = fast.conv2d_backward(np.ones_like(out), x, weight)
    assert all(g.dtype == np.float64 for g in grads)


def test_float32_input_with_float64_weight_gives_float32():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    weight = rng.standard_normal((4, 3, 3, 3))
    out = fast.conv2d_forward(x, weight, padding="same")
    assert out.dtype == np.float32
    assert rel_error(out, naive.conv2d_forward(x, weight, padding="same")) < TOL32


BAD_INPUT = [
    (
        {"x": [[1.0]]},
        TypeError,
        r"x must be a numpy\.ndarray \(N, C, H, W\), got list",
    ),
    (
        {"x": np.zeros((1, 4, 5, 5))},
        ValueError,
        re.escape("x has 4 channels but weight expects 3 (weight shape (2, 3, 3, 3))"),
    ),
    ({"stride": 0}, ValueError, r"stride must be at least 1 on each axis, got 0"),
    (
        {"padding": "same", "stride": 2},
        ValueError,
        r"padding='same' needs stride 1 on both axes, got stride=\(2, 2\)",
    ),
    ({"groups": 2}, ValueError, r"groups=2 must divide the input channels"),
    (
        {"x": np.zeros((1, 3, 2, 2))},
        ValueError,
        r"the kernel reaches 3x3 .* but the padded input is only 2x2",
    ),
]


def _arguments(overrides):
    arguments = {
        "x": np.zeros((1, 3, 5, 5)),
        "weight": np.zeros((2, 3, 3, 3)),
        "stride": 1,
        "padding": 0,
    }
    arguments.update(overrides)
    return arguments


@pytest.mark.parametrize(("overrides", "error", "pattern"), BAD_INPUT)
def test_forward_rejects_bad_input_like_naive(overrides, error, pattern):
    arguments = _arguments(overrides)
    with pytest.raises(error, match=pattern):
        fast.conv2d_forward(**arguments)
    with pytest.raises(error, match=pattern):
        naive.conv2d_forward(**arguments)


@pytest.mark.parametrize(("overrides", "error", "pattern"), BAD_INPUT)
def test_backward_rejects_bad_input_like_naive(overrides, error, pattern):
    arguments = _arguments(overrides)
    grad_out = np.zeros((1, 2, 3, 3))
    with pytest.raises(error, match=pattern):
        fast.conv2d_backward(grad_out, **arguments)


def test_backward_rejects_grad_out_of_the_wrong_shape():
    pattern = re.escape("grad_out must have the forward output's shape (1, 2, 3, 3), got")
    with pytest.raises(ValueError, match=pattern):
        fast.conv2d_backward(np.zeros((1, 2, 4, 4)), np.zeros((1, 3, 5, 5)), np.zeros((2, 3, 3, 3)))


@pytest.mark.parametrize(
    ("budget", "error", "pattern"),
    [
        (0, ValueError, r"memory_budget must be at least 1 byte, got 0"),
        (1.5, TypeError, r"memory_budget must be an int \(bytes\), got 1\.5"),
    ],
)
def test_bad_memory_budget(budget, error, pattern):
    with pytest.raises(error, match=pattern):
        fast.conv2d_forward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2)), memory_budget=budget)


@pytest.mark.parametrize(
    ("kernel", "hyper"),
    [
        ((2, 2), {}),
        ((2, 3), {"stride": (2, 1), "padding": 1, "dilation": (1, 2)}),
        (3, {"padding": (1, 0)}),
    ],
)
def test_columns_match_torch_unfold(kernel, hyper):
    x = np.random.default_rng(4).standard_normal((2, 3, 6, 5))
    cols = fast.columns(x, kernel, **hyper)
    theirs = F.unfold(torch.from_numpy(x), kernel, **hyper).numpy()  # (N, C kh kw, L)
    np.testing.assert_array_equal(cols, theirs.transpose(1, 0, 2).reshape(cols.shape))


def test_columns_validates_kernel_size():
    with pytest.raises(ValueError, match=r"kernel_size must be at least 1 on each axis"):
        fast.columns(np.zeros((1, 1, 3, 3)), (0, 2))


@pytest.mark.parametrize("shape", [(1, 1, 5, 5), (2, 3, 6, 7)])
def test_results_survive_later_calls(shape):
    """Scratch buffers are reused between calls; results must never live in them."""
    rng = np.random.default_rng(6)
    x, weight = rng.standard_normal(shape), rng.standard_normal((2, shape[1], 2, 2))
    grad_out = rng.standard_normal(fast.conv2d_forward(x, weight).shape)
    first = [fast.conv2d_forward(x, weight), *fast.conv2d_backward(grad_out, x, weight)]
    kept = [a.copy() for a in first]
    fast.conv2d_forward(-x, weight)
    fast.conv2d_backward(-grad_out, -x, weight)
    for a, b in zip(first, kept, strict=True):
        np.testing.assert_array_equal(a, b)
