"""Tests of :mod:`convcourse.plot.backward`: 1-D connections and usage counts (ch. 2)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from convcourse import conv_output_size, naive
from convcourse.plot import WINDOW_COLORS, plot_connections_1d, plot_usage_counts

# --- plot_connections_1d ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "kernel_size", "stride", "padding"),
    [(4, 2, 1, 0), (5, 3, 2, 0), (6, 3, 2, 1), (3, 1, 1, 0), (7, 5, 3, 2)],
)
def test_connections_one_line_per_output_and_tap(
    with_gid, length, kernel_size, stride, padding
):
    fig = plot_connections_1d(length, kernel_size, stride=stride, padding=padding)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    n_out = conv_output_size(length, kernel_size, stride, padding)
    lines = with_gid(fig, "connection")
    assert len(lines) == len(ax.lines) == n_out * kernel_size
    # Each line ends on the padded input i * stride + u, in tap u's colour.
    ends = sorted(round(line.get_xdata()[1]) for line in lines)
    expected = sorted(i * stride + u for i in range(n_out) for u in range(kernel_size))
    assert ends == expected
    for k, line in enumerate(lines):
        assert line.get_color() == WINDOW_COLORS[k % kernel_size]
    labels = [text.get_text() for text in ax.texts]
    assert labels.count("0") == 2 * padding
    assert f"$z_{{{n_out - 1}}}$" in labels and f"$z_{{{n_out}}}$" not in labels
    assert len(with_gid(fig, "padding")) == 2 * padding
    assert len(with_gid(fig, "output")) == n_out
    assert len(with_gid(fig, "input")) + len(with_gid(fig, "unread")) == length
    assert ax.get_title() == f"kernel {kernel_size}, stride {stride}, padding {padding}"


def test_connections_hatch_inputs_no_window_reads(with_gid):
    # length 6, kernel 3, stride 2: windows cover 0..4, so x_5 is never read.
    fig = plot_connections_1d(6, 3, stride=2)
    hatched = [patch for patch in fig.axes[0].patches if patch.get_hatch()]
    assert hatched == with_gid(fig, "unread")
    assert len(hatched) == 1
    assert hatched[0].get_x() == pytest.approx(5 - 0.3)


def test_connections_draw_into_a_given_axes_with_a_title():
    fig, axes = plt.subplots(1, 2)
    assert plot_connections_1d(4, 2, ax=axes[1], title="mine") is fig
    assert axes[1].get_title() == "mine" and len(axes[1].lines) == 3 * 2
    assert len(axes[0].lines) == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"length": 0}, ValueError, r"^length must be at least 1, got 0$"),
        ({"length": 2.5}, TypeError, r"^length must be an int, got 2\.5$"),
        ({"kernel_size": 6}, ValueError,
         r"^kernel_size must be at most 5 \(one colour per tap\), got 6$"),
        ({"kernel_size": True}, TypeError, r"^kernel_size must be an int, got True$"),
        ({"kernel_size": 5, "length": 3}, ValueError,
         r"^length=3: the kernel \(kernel_size=5, .*\) is larger than the padded input"),
        ({"stride": 0}, ValueError, r"^stride must be at least 1, got 0$"),
        ({"padding": -1}, ValueError, r"^padding must be at least 0, got -1$"),
        ({"padding": (1, 1)}, TypeError, r"^padding must be an int, got \(1, 1\)$"),
        ({"ax": [1]}, TypeError, r"^ax must be a matplotlib.axes.Axes or None, got list$"),
    ],
)
def test_connections_argument_errors(kwargs, error, pattern):
    arguments = {"length": 4, "kernel_size": 2} | kwargs
    with pytest.raises(error, match=pattern):
        plot_connections_1d(**arguments)


# --- plot_usage_counts --------------------------------------------------------------------


def test_usage_counts_labels_every_cell_with_its_count():
    x, weight = np.ones((1, 1, 5, 6)), np.ones((1, 1, 3, 3))
    grad_x = naive.conv2d_backward(np.ones((1, 1, 3, 4)), x, weight)[0][0, 0]
    fig = plot_usage_counts([grad_x, grad_x[:2]], titles=["all", "top"])
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert len(axes) == 2
    assert [text.get_text() for text in axes[0].texts] == [f"{v:g}" for v in grad_x.ravel()]
    assert axes[0].get_title() == "all" and axes[1].get_title() == "top"
    # One colour scale for all panels: 0 to the largest count.
    assert axes[1].images[0].get_clim() == (0, grad_x.max())


def test_usage_counts_accept_integer_grids_without_titles():
    fig = plot_usage_counts((np.array([[0, 3], [1, 2]]),))
    assert [text.get_text() for text in fig.axes[0].texts] == ["0", "3", "1", "2"]
    assert fig.axes[0].get_title() == ""


@pytest.mark.parametrize(
    ("counts", "kwargs", "error", "pattern"),
    [
        (np.ones((2, 2)), {}, TypeError,
         r"^counts must be a list or tuple of 2-D arrays, got ndarray$"),
        ([], {}, ValueError, r"^counts must hold at least one"),
        ([np.ones(3)], {}, ValueError, r"^counts\[0\] must be 2-D \(H, W\), got shape \(3,\)"),
        ([np.ones((2, 2)), -np.ones((2, 2))], {}, ValueError,
         r"^counts\[1\] must hold values of at least 0, got -1\.0$"),
        ([[[1, 2]]], {}, TypeError, r"^counts\[0\] must be a numpy.ndarray \(H, W\), got list$"),
        ([np.ones((2, 2))], {"titles": ["a", "b"]}, ValueError,
         r"^titles must have one entry per grid \(1\), got 2$"),
        ([np.ones((2, 2))], {"size": 0}, ValueError, r"^size must be a positive number, got 0$"),
        ([np.ones((2, 2))], {"size": "2"}, TypeError, r"^size must be a positive number"),
    ],
)
def test_usage_counts_argument_errors(counts, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        plot_usage_counts(counts, **kwargs)
