"""Tests of :mod:`convcourse.plot.animations`: the players of chapters 1, 2, 5 and 6.

The numbers an animation shows are checked against PyTorch (the captions write them
out), the frames follow the loops' order, the HTML is the same from run to run, and a
player stays light.
"""

from __future__ import annotations

import ast
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from convcourse import fast, naive, pooling, reference
from convcourse.plot import (
    Player,
    animate_backward,
    animate_im2col,
    animate_max_pool_backward,
    animate_windows,
)
from convcourse.plot.player import PLAYER_BUDGET

# The settings the chapters use (small integers, so every number is exact).
X5 = np.arange(25).reshape(5, 5) % 7 - 3
K3 = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
GRAD3 = np.array([[1, -2, 0], [2, 1, -1], [0, 3, 1]])

# (stride, padding, dilation, X shape, K shape): the chapters' strided, padded square
# case; one with a different stride, padding and dilation per axis and a kernel that is
# not square; and "same" padding.
SETTINGS = [
    (2, 1, 1, (5, 5), (3, 3)),
    ((2, 1), (1, 0), (1, 2), (5, 6), (2, 3)),
    (1, "same", 1, (3, 4), (3, 3)),
]


def _matrix_after(caption: str, name: str) -> np.ndarray:
    """The ``[[...], ...]`` written after ``name = `` in a caption."""
    return np.array(ast.literal_eval(caption.split(f"{name} = ")[-1]), dtype=float)


def _data(shape: tuple[int, int], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(-3, 4, shape)


# --- animate_windows ----------------------------------------------------------------------


@pytest.mark.parametrize(("stride", "padding", "dilation", "x_shape", "k_shape"), SETTINGS)
def test_windows_show_what_torch_computes(stride, padding, dilation, x_shape, k_shape):
    X, K = _data(x_shape, 0), _data(k_shape, 1)
    player = animate_windows(X, K, stride=stride, padding=padding, dilation=dilation)
    y = reference.conv2d(X[None, None] * 1.0, K[None, None] * 1.0, stride=stride,
                         padding=padding, dilation=dilation)[0, 0]
    assert len(player.frames) == y.size + 2 == len(player.captions)
    # One frame per window, in the loops' order, each with its multiply-add.
    for k, (i, j) in enumerate(np.ndindex(*y.shape), start=1):
        caption = player.captions[k]
        assert f"y[{i}, {j}] = Σ w·x = " in caption
        terms = caption.split("Σ w·x = ")[1].rsplit(" = ", 1)[0].split(" + ")
        assert len(terms) == K.size
        assert float(caption.rsplit(" = ", 1)[1]) == y[i, j]
    assert np.array_equal(_matrix_after(player.captions[-1], "y"), y)


def test_windows_caption_writes_out_the_products():
    X = np.arange(9).reshape(3, 3)
    player = animate_windows(X, np.array([[1, -1], [2, 0]]))
    assert player.captions[1] == (
        "window 1 of 4: rows 0-1, columns 0-1 of x_pad\n"
        "y[0, 0] = Σ w·x = 1·0 + (-1)·1 + 2·3 + 0·4 = 5"
    )
    assert player.captions[0] == (
        "3x3 input with no padding (grey), 2x2 kernel, stride 1:\n"
        "the kernel will visit 4 windows, one per output cell (2x2)."
    )


def test_windows_describe_the_animation_for_screen_readers():
    player = animate_windows(X5, K3, stride=2, padding=1)
    assert player.title == "the kernel sliding over the padded input"
    assert player.description.startswith("Animation of the forward pass: a 3 by 3 kernel")
    assert "stride 2" in player.description and "9 windows" in player.description


def test_windows_close_their_figure():
    before = plt.get_fignums()
    animate_windows(X5, K3, stride=2, padding=1)
    assert plt.get_fignums() == before  # a notebook shows the player, not also a still


# --- animate_backward ---------------------------------------------------------------------


@pytest.mark.parametrize(("stride", "padding", "dilation", "x_shape", "k_shape"), SETTINGS)
def test_backward_adds_up_to_what_autograd_computes(stride, padding, dilation, x_shape,
                                                     k_shape):
    K = _data(k_shape, 1) * 1.0
    x = np.zeros((1, 1, *x_shape))
    out_shape = reference.conv2d(x, K[None, None], stride=stride, padding=padding,
                                 dilation=dilation).shape
    grad_out = _data(out_shape[2:], 2) * 1.0
    grads = reference.conv2d_grads(grad_out[None, None], x, K[None, None], stride=stride,
                                   padding=padding, dilation=dilation)
    player = animate_backward(grad_out, K, x_shape, stride=stride, padding=padding,
                              dilation=dilation)
    assert len(player.frames) == grad_out.size + 2
    assert np.array_equal(_matrix_after(player.captions[-1], "grad_x"), grads.grad_x[0, 0])
    for k, (i, j) in enumerate(np.ndindex(*grad_out.shape), start=1):
        assert player.captions[k].startswith(f"δ[{i}, {j}] = ")


def test_backward_caption_says_where_overlaps_add_up():
    player = animate_backward(np.array([[1, 2]]), np.array([[1, -1]]), (1, 3))
    assert player.captions[1].endswith("+= 1, -1 (no overlap with earlier windows)")
    assert player.captions[2].endswith("+= 2, -2 (1 cell overlaps an earlier window: its "
                                       "terms add up)")
    assert player.captions[-1].endswith("grad_x = [[1, 1, -2]]")


# --- animate_max_pool_backward ------------------------------------------------------------

# (kernel_size, stride, padding, X shape): the chapter's overlapping, padded windows;
# windows side by side; a rectangular window with a stride and padding per axis.
POOL_SETTINGS = [
    (3, 2, 1, (5, 5)),
    (2, None, 0, (4, 6)),
    ((2, 3), (1, 2), (1, 1), (4, 5)),
]


@pytest.mark.parametrize(("kernel_size", "stride", "padding", "x_shape"), POOL_SETTINGS)
def test_max_pool_backward_routes_what_autograd_routes(kernel_size, stride, padding, x_shape):
    X = _data(x_shape, 3) * 1.0 - 1.0  # small integers, many ties, many negative windows
    out = reference.max_pool2d(X[None, None], kernel_size, stride, padding)[0, 0]
    grad_out = np.arange(1.0, out.size + 1).reshape(out.shape)
    expected = reference.max_pool2d_backward(grad_out[None, None], X[None, None],
                                             kernel_size, stride, padding)[0, 0]
    player = animate_max_pool_backward(X, grad_out, kernel_size, stride, padding)
    assert len(player.frames) == grad_out.size + 2
    assert np.array_equal(_matrix_after(player.captions[-1], "grad_x"), expected)
    for k, (i, j) in enumerate(np.ndindex(*grad_out.shape), start=1):
        maximum = float(re.search(r"its maximum is (\S+), at", player.captions[k])[1])
        assert maximum == out[i, j]  # never the padding's -inf
        assert player.captions[k].endswith(f"+= δ[{i}, {j}] = {grad_out[i, j]:g}")


def test_max_pool_backward_caption_names_ties_and_the_first_maximum():
    X = np.array([[1.0, 9.0, 9.0, 0.0],
                  [9.0, 2.0, 3.0, 4.0]])
    player = animate_max_pool_backward(X, np.array([[10.0, 20.0]]), 2)
    assert player.captions[1] == (
        "window 1 of 2: rows 0-1, columns 0-1 of x_pad: its maximum is 9, at (0, 1), the "
        "first of 2 tied in row-major order\ngrad_x_pad[0, 1] += δ[0, 0] = 10")
    assert "tied" not in player.captions[2]
    assert player.captions[-1] == "All 2 windows done:\ngrad_x = [[0, 10, 20, 0], [0, 0, 0, 0]]"
    assert "minus infinity" in player.description


# --- animate_im2col -----------------------------------------------------------------------


@pytest.mark.parametrize(("stride", "padding", "dilation", "x_shape", "k_shape"), SETTINGS)
def test_im2col_fills_the_columns_torch_unfolds(stride, padding, dilation, x_shape, k_shape):
    if padding == "same":  # F.unfold takes explicit padding only
        padding = 1
    X = _data(x_shape, 3)
    cols = reference.unfold(X[None, None] * 1.0, k_shape, stride=stride, padding=padding,
                            dilation=dilation)[0]
    player = animate_im2col(X, k_shape, stride=stride, padding=padding, dilation=dilation)
    assert len(player.frames) == cols.shape[1] + 2
    for m in range(cols.shape[1]):
        caption = player.captions[m + 1]
        assert re.match(rf"window \(\d+, \d+\) -> column {m} of cols", caption)
        values = [float(v) for v in caption.split("\n")[1].split(", ")]
        assert values == cols[:, m].tolist()


# --- what every animation shares ----------------------------------------------------------

ANIMATIONS = {
    "windows": lambda: animate_windows(X5, K3, stride=2, padding=1),
    "backward": lambda: animate_backward(GRAD3, K3, (5, 5), stride=2, padding=1),
    "im2col": lambda: animate_im2col(np.arange(16).reshape(4, 4), 2),
    "max_pool_backward": lambda: animate_max_pool_backward(X5, GRAD3, 3, stride=2, padding=1),
}


@pytest.fixture(scope="module")
def players() -> dict[str, Player]:
    """One player of each kind, made once for the tests that only look at it."""
    return {name: make() for name, make in ANIMATIONS.items()}


@pytest.mark.parametrize("name", ANIMATIONS)
def test_players_are_deterministic_and_light(players, name):
    player = players[name]
    assert isinstance(player, Player)
    html = player.to_html()
    assert html == ANIMATIONS[name]().to_html()  # byte for byte: nbval compares outputs
    assert player._repr_html_() == html
    assert player.nbytes < PLAYER_BUDGET, f"{name}: {player.nbytes} bytes"
    assert "http" not in html  # nothing fetched: no CDN, no font


def test_the_largest_accepted_pictures_stay_within_budget():
    X = np.arange(64).reshape(8, 8) % 13 - 6  # padded 10x10: 4x4 windows of a 3x3 kernel
    K = np.arange(9).reshape(3, 3) % 5 - 2
    for player in (animate_windows(X, K, stride=2, padding=1),
                   animate_backward(np.ones((4, 4)), K, (8, 8), stride=2, padding=1)):
        assert len(player.frames) == 18 and player.nbytes <= PLAYER_BUDGET


def test_different_animations_get_different_ids(players):
    ids = {player.element_id for player in players.values()}
    ids.add(animate_windows(X5, K3, stride=2).element_id)
    assert len(ids) == len(ANIMATIONS) + 1


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: animate_windows([[1, 2]], K3), TypeError, r"^X must be a numpy\.ndarray"),
        (lambda: animate_windows(np.ones((2, 2, 2)), K3), ValueError, r"^X must be 2-D"),
        (lambda: animate_windows(X5, np.ones(3)), ValueError, r"^K must be 2-D"),
        (lambda: animate_windows(X5, np.ones((6, 6))), ValueError, r"^K must be at most 5x5"),
        (lambda: animate_windows(np.ones((12, 12)), K3, padding=1), ValueError,
         r"^X is too large to animate: with padding 1 it is 14x14 cells, at most 10"),
        (lambda: animate_windows(np.ones((5, 6)), np.ones((1, 1))), ValueError,
         r"^X is too large to animate: the kernel visits 5x6 windows, at most 16"),
        (lambda: animate_backward(np.ones((3, 3)), K3, (11, 11)), ValueError,
         r"^input_size is too large to animate: with padding 0 it is 11x11 cells"),
        (lambda: animate_im2col(np.arange(64).reshape(8, 8), 3, stride=2, padding=1), ValueError,
         r"^too large to animate: the player would weigh \d+ kB, more than "
         r"PLAYER_BUDGET \(300 kB\)"),
        (lambda: animate_windows(X5, K3, stride=0), ValueError, r"^stride must be at least 1"),
        (lambda: animate_windows(X5, K3, interval=10), ValueError,
         r"^interval must be at least 50"),
        (lambda: animate_windows(X5, K3, interval=1.5), TypeError, r"^interval must be an int"),
        (lambda: animate_backward(GRAD3, K3, (4, 4), padding=1), ValueError,
         r"^grad_out must have the forward output's shape \(4, 4\) for input_size \(4, 4\)"
         r", stride 1 and 1 zero of padding on each side, got \(3, 3\)$"),
        (lambda: animate_backward(GRAD3, K3, 5), TypeError,
         r"^input_size must be a pair of ints \(H, W\), got 5$"),
        (lambda: animate_backward(GRAD3, K3, (5, 0)), ValueError,
         r"^input_size\[1\] must be at least 1"),
        (lambda: animate_backward(np.ones(3), K3, (5, 5)), ValueError,
         r"^grad_out must be 2-D"),
        (lambda: animate_im2col(X5, 6), ValueError,
         r"^kernel_size must be at most 5 on each axis to animate, got 6$"),
        (lambda: animate_im2col(X5, "3"), TypeError, r"^kernel_size must be an int or a pair"),
        (lambda: animate_max_pool_backward([[1, 2]], GRAD3, 2), TypeError,
         r"^X must be a numpy\.ndarray"),
        (lambda: animate_max_pool_backward(X5, GRAD3, 3, stride=2, padding=2), ValueError,
         r"padding"),
        (lambda: animate_max_pool_backward(np.ones((10, 10)), np.ones((5, 5)), 2, padding=1),
         ValueError, r"^X is too large to animate: with padding 1 it is 12x12 cells"),
        (lambda: animate_max_pool_backward(X5, np.ones((2, 2)), 3, stride=2, padding=1),
         ValueError, r"^grad_out must have the pooled output's shape \(3, 3\) for X of shape "
         r"\(5, 5\), stride 2 and 1 cell of -inf padding on each side, got \(2, 2\)$"),
        (lambda: animate_max_pool_backward(X5, GRAD3, 3, 2, 1, interval=10), ValueError,
         r"^interval must be at least 50"),
        (lambda: animate_im2col(X5, 3, padding="full"), ValueError,
         r"^padding must be an int, a pair of ints, 'valid' or 'same'"),
    ],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_players_show_the_package_numbers_not_their_own(monkeypatch):
    """A picture cannot disagree with the code it illustrates: every number comes from
    the function the chapter teaches, so changing that function changes the picture."""
    monkeypatch.setattr(naive, "conv2d_forward", lambda x, w, **hyper: np.full((1, 1, 2, 2), 7.0))
    assert animate_windows(np.zeros((3, 3)), np.ones((2, 2))).captions[-1].endswith(
        "y = [[7, 7], [7, 7]]")
    monkeypatch.setattr(naive, "conv2d_backward",
                        lambda g, x, w, **hyper: (np.full(x.shape, 5.0), None, None))
    assert animate_backward(np.ones((2, 2)), np.ones((2, 2)), (3, 3)).captions[-1].endswith(
        "grad_x = [[5, 5, 5], [5, 5, 5], [5, 5, 5]]")
    monkeypatch.setattr(fast, "im2col", lambda x, k, *hyper: np.full((4, 4), 3.0))
    assert animate_im2col(np.zeros((3, 3)), 2).captions[1].endswith("3, 3, 3, 3")

    def everything_to_the_corner(grad_out, x, *window, **kwargs):
        grad_x = np.zeros(x.shape)
        grad_x[..., 0, 0] = grad_out.sum()
        return grad_x

    monkeypatch.setattr(pooling, "max_pool2d_backward", everything_to_the_corner)
    player = animate_max_pool_backward(np.arange(16.0).reshape(4, 4), np.ones((2, 2)), 2)
    assert "at (0, 0)" in player.captions[4]
    assert player.captions[-1].endswith("grad_x = [[4, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], "
                                        "[0, 0, 0, 0]]")

