"""convcourse.fast against the naive loops and against torch, forward and backward."""

from __future__ import annotations

import contextlib
import tracemalloc

import numpy as np
import pytest
from bad_input import conv_tests
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import ConvCase, conv_cases

from convcourse import fast, naive, reference, rel_error
from convcourse.geometry import ConvGeometry

TOL64 = 1e-10
TOL32 = 1e-5


@contextlib.contextmanager
def grid_layout(whole_grid: bool):
    """Force the whole-padded-grid layout (stride 1) on, or the exact grid everywhere."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast, "_MAX_GRID_WASTE", 1e9 if whole_grid else 0.0)
        yield


def torch_all(case: ConvCase, grad_out: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(out, grad_x, grad_weight, grad_bias)`` from torch autograd."""
    r = reference.conv2d_grads(grad_out, case.x, case.weight, case.bias, **case.hyper)
    return r.out, r.grad_x, r.grad_weight, r.grad_bias


def fast_all(case: ConvCase, grad_out: np.ndarray, **options):
    out = fast.conv2d_forward(case.x, case.weight, case.bias, **case.hyper, **options)
    grads = fast.conv2d_backward(grad_out, case.x, case.weight, **case.hyper, **options)
    return (out, *grads)


@settings(settings.get_profile("cheap"))
@given(conv_cases(max_batch=3), st.booleans())
def test_fast_matches_naive_and_torch_float64(case, whole_grid):
    grad_out = case.grad_out(seed=1)
    with grid_layout(whole_grid):
        ours = fast_all(case, grad_out)
    loops = (
        naive.conv2d_forward(case.x, case.weight, case.bias, **case.hyper),
        *naive.conv2d_backward(grad_out, case.x, case.weight, **case.hyper),
    )
    theirs = torch_all(case, grad_out)
    for mine, slow, torch_value in zip(ours, loops, theirs, strict=True):
        assert mine.shape == slow.shape == torch_value.shape
        assert mine.dtype == np.float64
        assert rel_error(mine, slow) < TOL64
        assert rel_error(mine, torch_value) < TOL64


@settings(deadline=None)
@given(conv_cases(dtype=np.float32, max_batch=2), st.booleans())
def test_float32_stays_float32_within_rounding(case, whole_grid):
    grad_out = case.grad_out(seed=1)
    with grid_layout(whole_grid):
        ours = fast_all(case, grad_out)
    for mine, torch_value in zip(ours, torch_all(case, grad_out), strict=True):
        assert mine.dtype == np.float32
        assert rel_error(mine, torch_value) < TOL32


@settings(settings.get_profile("costly"))
@given(conv_cases(max_batch=5), st.booleans(), st.integers(1, 4))
def test_chunking_gives_identical_results(case, whole_grid, images_per_chunk):
    """A budget that fits only a few images runs several chunks, same numbers."""
    grad_out = case.grad_out(seed=1)
    with grid_layout(whole_grid):
        geo = case.geometry
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
    grad_out = case.grad_out(seed=1)
    geo = case.geometry
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


@pytest.mark.parametrize(
    ("budget", "error", "pattern"),
    [
        (0, ValueError, r"memory_budget must be at least 1, got 0"),
        (1.5, TypeError, r"memory_budget must be an int, got 1\.5"),
        (True, TypeError, r"memory_budget must be an int, got True"),
    ],
)
def test_bad_memory_budget(budget, error, pattern):
    with pytest.raises(error, match=pattern):
        fast.conv2d_forward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2)), memory_budget=budget)


WINDOW_CASES = [
    ((2, 2), {}),
    ((2, 3), {"stride": (2, 1), "padding": 1, "dilation": (1, 2)}),
    (3, {"padding": (1, 0)}),
    ((1, 2), {"stride": 2, "dilation": 3}),  # windows interleave but never share a number
]


@pytest.mark.parametrize(("kernel", "hyper"), WINDOW_CASES)
def test_im2col_matches_torch_unfold(kernel, hyper):
    x = np.random.default_rng(4).standard_normal((2, 3, 6, 5))
    cols = fast.im2col(x, kernel, **hyper)
    theirs = reference.unfold(x, kernel, **hyper)  # (N, C kh kw, L)
    np.testing.assert_array_equal(cols, theirs.transpose(1, 0, 2).reshape(cols.shape))


@pytest.mark.parametrize(("kernel", "hyper"), WINDOW_CASES)
def test_col2im_matches_torch_fold(kernel, hyper):
    x_shape = (2, 3, 6, 5)
    t, m = fast.im2col(np.zeros(x_shape), kernel, **hyper).shape
    cols = np.random.default_rng(5).standard_normal((t, m))
    ours = fast.col2im(cols, x_shape, kernel, **hyper)
    per_image = cols.reshape(t, 2, -1).transpose(1, 0, 2)  # torch's (N, C kh kw, L)
    theirs = reference.fold(per_image, x_shape[2:], kernel, **hyper)
    assert ours.shape == x_shape and ours.dtype == np.float64
    assert rel_error(ours, theirs) < TOL64


@pytest.mark.parametrize(("kernel", "hyper"), [*WINDOW_CASES, (3, {"padding": "same"})])
def test_col2im_is_the_adjoint_of_im2col(kernel, hyper):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 6, 5))
    cols = fast.im2col(x, kernel, **hyper)
    y = rng.standard_normal(cols.shape)
    lhs, rhs = np.sum(cols * y), np.sum(x * fast.col2im(y, x.shape, kernel, **hyper))
    assert abs(lhs - rhs) < TOL64 * abs(lhs)


def test_im2col_and_col2im_keep_float32_and_compute_integers_in_float64():
    x = np.arange(2 * 9, dtype=np.float32).reshape(1, 2, 3, 3)
    assert fast.im2col(x, 2).dtype == np.float32
    assert fast.col2im(fast.im2col(x, 2), x.shape, 2).dtype == np.float32
    assert fast.im2col(x.astype(np.int64), 2).dtype == np.float64
    assert fast.col2im(np.ones((8, 4), np.int64), x.shape, 2).dtype == np.float64


def test_im2col_validates_kernel_size():
    with pytest.raises(ValueError, match=r"kernel_size must be at least 1 on each axis"):
        fast.im2col(np.zeros((1, 1, 3, 3)), (0, 2))


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((np.ones((4, 4)), (1, 1, 3, 3), 3), ValueError,
         r"^cols must have shape \(9, 1\) \(C kh kw, N H_out W_out\) for "
         r"input_shape=\(1, 1, 3, 3\) and a 3x3 kernel, got \(4, 4\)$"),
        ((np.ones(4), (1, 1, 3, 3), 2), ValueError, r"^cols must be 2-D"),
        ((np.ones((4, 4)), (1, 3, 3), 2), ValueError, r"^input_shape must have 4 entries"),
        ((np.ones((4, 4)), (1, 1, 3, 3), 4), ValueError, r"the kernel reaches 4x4"),
    ],
)
def test_col2im_errors(args, error, match):
    with pytest.raises(error, match=match):
        fast.col2im(*args)


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


def _traced_peak(function, *arguments, **options) -> int:
    """Peak bytes numpy allocated during one call, from scratch buffers emptied first."""
    fast._workspace.__dict__.clear()
    tracemalloc.start()
    try:
        function(*arguments, **options)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "hyper", "budget"),
    [
        ((16, 8, 20, 20), (16, 8, 3, 3), {"padding": 1}, fast.MEMORY_BUDGET),
        ((16, 8, 20, 20), (16, 8, 3, 3), {"padding": 1}, 2**18),  # several chunks
        ((6, 4, 17, 15), (8, 2, 3, 2), {"stride": 2, "padding": (2, 1), "groups": 2},
         fast.MEMORY_BUDGET),
    ],
)
def test_memory_stays_within_the_documented_formulas(x_shape, w_shape, hyper, budget):
    """The module docstring's peak memory, checked with tracemalloc (numpy reports its
    allocations to it): forward B + |x_pad| + |out chunk| + |out|, backward
    B + 2 |x_pad| + |grad_out chunk| + |grad_x| + 2 |weight|."""
    rng = np.random.default_rng(0)
    x, weight = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    geo = ConvGeometry.from_shapes(x_shape, w_shape, **hyper)
    grad_out = rng.standard_normal(geo.output_shape)
    item = 8
    gh, gw, full = fast._grid(geo)
    nb = fast.chunk_size(geo, item, budget)
    cols = geo.in_channels * geo.kernel_h * geo.kernel_w * nb * gh * gw * item
    assert cols <= max(budget, cols // nb)  # B: at most the budget, or one image
    x_pad = geo.in_channels * (geo.batch * gh * gw + fast._tail(geo, full)) * item
    if not full:
        x_pad = geo.in_channels * geo.batch * geo.padded_size[0] * geo.padded_size[1] * item
    chunk = geo.out_channels * nb * gh * gw * item
    out = grad_out.nbytes
    slack = 64 * 1024  # small arrays and bookkeeping
    forward_peak = _traced_peak(fast.conv2d_forward, x, weight, None, **hyper,
                                memory_budget=budget)
    assert forward_peak <= cols + x_pad + chunk + out + slack
    backward_peak = _traced_peak(fast.conv2d_backward, grad_out, x, weight, **hyper,
                                 memory_budget=budget)
    assert backward_peak <= cols + 2 * x_pad + chunk + x.nbytes + 2 * weight.nbytes + slack
    # and the formulas are not loose: the peaks reach most of them
    assert forward_peak > 0.8 * (cols + x_pad + chunk + out)
    assert backward_peak > 0.8 * (cols + 2 * x_pad + chunk + x.nbytes)


# ---------------------------------------------------------------------------------------
# bad input (the cases: bad_input.py)
# ---------------------------------------------------------------------------------------

(
    test_forward_rejects_bad_input,
    test_backward_rejects_the_same_bad_input,
    test_backward_rejects_bad_grad_out,
) = conv_tests(fast.conv2d_forward, fast.conv2d_backward)


@pytest.mark.parametrize("hyper", [{"padding": 1}, {"stride": 2, "padding": 1},
                                   {"dilation": 2, "groups": 2}])
def test_backward_without_input_grad_gives_the_same_parameter_gradients(hyper):
    rng = np.random.default_rng(9)
    x, weight = rng.standard_normal((3, 4, 9, 8)), rng.standard_normal((6, 4 // hyper.get(
        "groups", 1), 3, 3))
    grad_out = rng.standard_normal(fast.conv2d_forward(x, weight, **hyper).shape)
    grad_x, grad_weight, grad_bias = fast.conv2d_backward(grad_out, x, weight, **hyper)
    skipped = fast.conv2d_backward(grad_out, x, weight, **hyper, input_grad=False)
    assert skipped[0] is None and grad_x is not None
    np.testing.assert_array_equal(skipped[1], grad_weight)
    np.testing.assert_array_equal(skipped[2], grad_bias)
    with pytest.raises(TypeError, match="input_grad must be True or False"):
        fast.conv2d_backward(grad_out, x, weight, **hyper, input_grad="no")
