"""Tests of the chapter 2 figure helpers in :mod:`convcourse.plot`."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from convcourse import conv_output_size, naive  # noqa: E402
from convcourse.plot import plot_connections_1d, plot_usage_counts  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(
    ("length", "kernel_size", "stride", "padding"),
    [(4, 2, 1, 0), (5, 3, 2, 0), (6, 3, 2, 1), (3, 1, 1, 0), (7, 5, 3, 2)],
)
def test_connections_one_line_per_output_and_tap(length, kernel_size, stride, padding):
    ax = plot_connections_1d(length, kernel_size, stride=stride, padding=padding)
    n_out = conv_output_size(length, kernel_size, stride, padding)
    assert len(ax.lines) == n_out * kernel_size
    # Each line ends on the padded input i * stride + u.
    ends = sorted(round(line.get_xdata()[1]) for line in ax.lines)
    expected = sorted(i * stride + u for i in range(n_out) for u in range(kernel_size))
    assert ends == expected
    labels = [text.get_text() for text in ax.texts]
    assert labels.count("0") == 2 * padding
    assert f"$z_{{{n_out - 1}}}$" in labels and f"$z_{{{n_out}}}$" not in labels


def test_connections_hatch_inputs_no_window_reads():
    # length 6, kernel 3, stride 2: windows cover 0..4, so x_5 is never read.
    ax = plot_connections_1d(6, 3, stride=2)
    hatched = [patch for patch in ax.patches if patch.get_hatch()]
    assert len(hatched) == 1
    assert hatched[0].get_x() == pytest.approx(5 - 0.3)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"length": 0}, ValueError, "length must be at least 1"),
        ({"length": 2.5}, TypeError, "length must be an int"),
        ({"kernel_size": 6}, ValueError, "kernel_size must be at most 5"),
        ({"kernel_size": 5, "length": 3}, ValueError, "longer than the padded input"),
        ({"stride": 0}, ValueError, "stride must be at least 1"),
        ({"padding": -1}, ValueError, "padding must be a non-negative int"),
    ],
)
def test_connections_argument_errors(kwargs, error, pattern):
    arguments = {"length": 4, "kernel_size": 2} | kwargs
    with pytest.raises(error, match=pattern):
        plot_connections_1d(**arguments)


def test_usage_counts_labels_every_cell_with_its_count():
    x, weight = np.ones((1, 1, 5, 6)), np.ones((1, 1, 3, 3))
    grad_x = naive.conv2d_backward(np.ones((1, 1, 3, 4)), x, weight)[0][0, 0]
    fig, axes = plot_usage_counts([grad_x, grad_x[:2]], titles=["all", "top"])
    assert len(axes) == 2 and len(fig.axes) == 2
    assert [text.get_text() for text in axes[0].texts] == [f"{v:g}" for v in grad_x.ravel()]
    assert axes[1].get_title() == "top"
    # One colour scale for all panels: 0 to the largest count.
    assert axes[1].images[0].get_clim() == (0, grad_x.max())


@pytest.mark.parametrize(
    ("counts", "kwargs", "error", "pattern"),
    [
        (np.ones((2, 2)), {}, TypeError, "counts must be a non-empty list"),
        ([], {}, TypeError, "counts must be a non-empty list"),
        ([np.ones(3)], {}, ValueError, r"counts\[0\] must be a non-empty 2-D"),
        ([-np.ones((2, 2))], {}, ValueError, ">= 0"),
        ([[[1, 2]]], {}, TypeError, r"counts\[0\] must be a real numpy.ndarray"),
        ([np.ones((2, 2))], {"titles": ["a", "b"]}, ValueError, "one entry per image"),
        ([np.ones((2, 2))], {"size": 0}, ValueError, "size must be a positive number"),
    ],
)
def test_usage_counts_argument_errors(counts, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        plot_usage_counts(counts, **kwargs)
