"""Tests of the sliding-window figure helpers in :mod:`convcourse.plot` (chapter 1)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from convcourse import conv_output_size  # noqa: E402
from convcourse.plot import plot_channel_connections, plot_windows, window_taps  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_window_taps_follow_the_formula():
    # Output (1, 2) of a 2x3 kernel, stride (2, 1), dilation (1, 2):
    # rows 1*2 + u*1, columns 2*1 + v*2.
    taps = window_taps(1, 2, (2, 3), stride=(2, 1), dilation=(1, 2))
    assert taps == [(2, 2), (2, 4), (2, 6), (3, 2), (3, 4), (3, 6)]


def test_window_taps_select_what_torch_multiplies():
    # A one-hot kernel picks one input value per output; the taps must name it.
    x = torch.arange(2.0, 2.0 + 9 * 11, dtype=torch.float64).reshape(1, 1, 9, 11)
    kh, kw, stride, dilation = 2, 3, (2, 1), (3, 2)
    for u in range(kh):
        for v in range(kw):
            weight = torch.zeros(1, 1, kh, kw, dtype=torch.float64)
            weight[0, 0, u, v] = 1.0
            y = torch.nn.functional.conv2d(x, weight, stride=stride, dilation=dilation)
            for i in range(y.shape[2]):
                for j in range(y.shape[3]):
                    r, c = window_taps(i, j, (kh, kw), stride, dilation)[u * kw + v]
                    assert y[0, 0, i, j].item() == x[0, 0, r, c].item()


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "dilation"),
    [((4, 4), 3, 1, 1, 1), ((5, 5), 2, 2, 0, 1), ((4, 5), (2, 3), 1, 0, 1), ((7, 7), 3, 1, 0, 2)],
)
def test_plot_windows_highlights_kh_times_kw_taps(size, kernel, stride, padding, dilation):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    plot = plot_windows(
        *size, kernel, stride=stride, padding=padding, dilation=dilation,
        positions=[(0, 0), (1, 1)],
    )
    assert len(plot.taps) == 2 and len(plot.outputs) == 2
    assert all(len(cells) == kh * kw for cells in plot.taps)
    expected = tuple(
        conv_output_size(n, k, stride, padding, dilation)
        for n, k in zip(size, (kh, kw), strict=True)
    )
    assert plot.output_shape == expected
    # The zero border: (H + 2p)(W + 2p) - HW shaded cells.
    h, w = size
    assert len(plot.padded_cells) == (h + 2 * padding) * (w + 2 * padding) - h * w
    # The highlighted taps sit where window_taps says, in padded coordinates.
    first = sorted((int(p.get_y()), int(p.get_x())) for p in plot.taps[1])
    assert first == sorted(window_taps(1, 1, (kh, kw), stride, dilation))


def test_plot_windows_hatches_unread_cells():
    # 5x5 input, 2x2 kernel, stride 2: the last row and column are never read.
    plot = plot_windows(5, 5, 2, stride=2)
    assert len(plot.unread_cells) == 5 + 5 - 1
    assert plot_windows(4, 4, 2, stride=2).unread_cells == []


def test_plot_windows_same_padding_keeps_the_size():
    plot = plot_windows(5, 6, (3, 4), padding="same", positions=[(4, 5)])
    assert plot.output_shape == (5, 6)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"positions": [(2, 0)]}, ValueError, r"position \(2, 0\) is outside the 2x2 output"),
        ({"positions": [(0, -1)]}, ValueError, "j must be a non-negative int"),
        ({"positions": [(0,)]}, TypeError, "each position must be an"),
        ({"positions": [(0, 0)] * 6}, ValueError, "at most 5 pairs"),
        ({"kernel_size": 5}, ValueError, "padded input is only 4x4"),
        ({"stride": 0}, ValueError, "stride must be at least 1"),
        ({"padding": "full"}, ValueError, "padding must be an int"),
        ({"height": 2.5}, TypeError, "height must be a non-negative int"),
    ],
)
def test_plot_windows_rejects_bad_arguments(kwargs, error, match):
    arguments = {"height": 4, "width": 4, "kernel_size": 3, "stride": 1}
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        plot_windows(**arguments)


def test_channel_connections_count_kernel_slices():
    dense = plot_channel_connections(4, 6)
    assert len(dense.connections) == 6 * 4
    grouped = plot_channel_connections(4, 6, groups=2)
    assert len(grouped.connections) == 6 * 2
    # groups = C = O (depthwise): each output channel is joined to its own input only.
    depthwise = plot_channel_connections(3, 3, groups=3)
    ys = [tuple(np.round(line.get_ydata(), 6)) for line in depthwise.connections]
    assert len(ys) == 3 and all(a == b for a, b in ys)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((4, 6, 4), ValueError, "groups=4 must divide in_channels=4 and out_channels=6"),
        ((0, 6, 1), ValueError, "must be at least 1"),
        ((4, "6", 1), TypeError, "out_channels must be a non-negative int"),
    ],
)
def test_channel_connections_reject_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        plot_channel_connections(*args)
