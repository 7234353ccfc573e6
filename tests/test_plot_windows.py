"""Tests of :mod:`convcourse.plot.windows`: window taps, sliding windows, channels (ch. 1)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from convcourse import conv_output_size, reference
from convcourse.plot import plot_channel_connections, plot_windows, window_taps


def _cells(patches):
    """The ``(row, col)`` of unit-cell patches, sorted."""
    return sorted((round(p.get_y()), round(p.get_x())) for p in patches)


# --- window_taps ------------------------------------------------------------------------


def test_window_taps_follow_the_formula():
    # Output (1, 2) of a 2x3 kernel, stride (2, 1), dilation (1, 2):
    # rows 1*2 + u*1, columns 2*1 + v*2.
    taps = window_taps(1, 2, (2, 3), stride=(2, 1), dilation=(1, 2))
    assert taps == [(2, 2), (2, 4), (2, 6), (3, 2), (3, 4), (3, 6)]


def test_window_taps_accept_numpy_ints():
    assert window_taps(np.int64(1), np.int32(0), np.int64(2), stride=2) == [
        (2, 0), (2, 1), (3, 0), (3, 1)
    ]


def test_window_taps_select_what_torch_multiplies():
    # A one-hot kernel picks one input value per output; the taps must name it.
    x = np.arange(2.0, 2.0 + 9 * 11).reshape(1, 1, 9, 11)
    kh, kw, stride, dilation = 2, 3, (2, 1), (3, 2)
    for u in range(kh):
        for v in range(kw):
            weight = np.zeros((1, 1, kh, kw))
            weight[0, 0, u, v] = 1.0
            y = reference.conv2d(x, weight, stride=stride, dilation=dilation)
            for i in range(y.shape[2]):
                for j in range(y.shape[3]):
                    r, c = window_taps(i, j, (kh, kw), stride, dilation)[u * kw + v]
                    assert y[0, 0, i, j] == x[0, 0, r, c]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((-1, 0, 3), {}, ValueError, r"^i must be at least 0, got -1$"),
        ((0, 1.0, 3), {}, TypeError, r"^j must be an int, got 1\.0$"),
        ((0, True, 3), {}, TypeError, r"^j must be an int, got True$"),
        ((0, 0, 0), {}, ValueError, r"^kernel_size must be at least 1 on each axis"),
        ((0, 0, 3), {"stride": (1, 0)}, ValueError, r"^stride must be at least 1 on each axis"),
        ((0, 0, 3), {"dilation": "2"}, TypeError, r"^dilation must be an int or a pair"),
    ],
)
def test_window_taps_reject_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        window_taps(*args, **kwargs)


# --- plot_windows -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "dilation"),
    [((4, 4), 3, 1, 1, 1), ((5, 5), 2, 2, 0, 1), ((4, 5), (2, 3), 1, 0, 1), ((7, 7), 3, 1, 0, 2)],
)
def test_plot_windows_highlights_kh_times_kw_taps(
    with_gid, size, kernel, stride, padding, dilation
):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    positions = [(0, 0), (1, 1)]
    fig = plot_windows(
        *size, kernel, stride=stride, padding=padding, dilation=dilation, positions=positions,
    )
    assert isinstance(fig, Figure)
    input_ax, output_ax = fig.axes
    h, w = size
    out_h, out_w = (
        conv_output_size(n, k, stride, padding, dilation)
        for n, k in zip(size, (kh, kw), strict=True)
    )
    # The two grids: every cell of the padded input, every cell of the output.
    input_cells = [p for p in input_ax.patches if p.get_gid() == "cell"]
    output_cells = [p for p in output_ax.patches if p.get_gid() == "cell"]
    assert _cells(input_cells) == [
        (r, c) for r in range(h + 2 * padding) for c in range(w + 2 * padding)
    ]
    assert _cells(output_cells) == [(i, j) for i in range(out_h) for j in range(out_w)]
    # The zero border: (H + 2p)(W + 2p) - HW shaded cells.
    assert len(with_gid(fig, "padding")) == (h + 2 * padding) * (w + 2 * padding) - h * w
    for k, (i, j) in enumerate(positions):
        taps = with_gid(fig, f"tap-{k}")
        assert len(taps) == kh * kw
        assert all(tap.axes is input_ax for tap in taps)
        # The highlighted taps sit where window_taps says, in padded coordinates.
        assert _cells(taps) == sorted(window_taps(i, j, (kh, kw), stride, dilation))
        (output,) = with_gid(fig, f"output-{k}")
        assert output.axes is output_ax and _cells([output]) == [(i, j)]
        # The dashed outline spans the dilated window: d (k - 1) + 1 cells.
        (reach,) = with_gid(fig, f"reach-{k}")
        assert (reach.get_height(), reach.get_width()) == (
            dilation * (kh - 1) + 1, dilation * (kw - 1) + 1
        )
    assert with_gid(fig, "tap-2") == [] and with_gid(fig, "output-2") == []
    assert len(with_gid(fig, "frame")) == (1 if padding else 0)


def test_plot_windows_hatches_unread_cells(with_gid):
    # 5x5 input, 2x2 kernel, stride 2: the last row and column are never read.
    unread = with_gid(plot_windows(5, 5, 2, stride=2), "unread")
    assert len(unread) == 5 + 5 - 1
    assert _cells(unread) == sorted({(4, c) for c in range(5)} | {(r, 4) for r in range(5)})
    assert all(patch.get_hatch() for patch in unread)
    assert with_gid(plot_windows(4, 4, 2, stride=2), "unread") == []


def test_plot_windows_same_padding_keeps_the_size(with_gid):
    fig = plot_windows(5, 6, (3, 4), padding="same", positions=[(4, 5)])
    output_cells = [p for p in fig.axes[1].patches if p.get_gid() == "cell"]
    assert max(_cells(output_cells)) == (4, 5) and len(output_cells) == 5 * 6
    assert _cells(with_gid(fig, "output-0")) == [(4, 5)]
    assert fig.axes[1].get_title() == "output 5×6"


def test_plot_windows_titles_and_numpy_positions():
    fig = plot_windows(4, 6, (2, 3), stride=(1, 2), positions=np.array([[0, 0], [2, 1]]))
    assert fig.get_suptitle() == "kernel 2×3, stride (1, 2), dilation 1"
    assert fig.axes[0].get_title() == "input 4×6"
    custom = plot_windows(4, 4, 3, padding=1, title="mine")
    assert custom.get_suptitle() == "mine"
    assert custom.axes[0].get_title() == "input 4×4, padding 1"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"positions": [(2, 0)]}, ValueError,
            r"^positions\[0\]=\(2, 0\) is outside the 2x2 output \(rows 0\.\.1, columns 0\.\.1\)$",
        ),
        (
            {"positions": [(0, 0), (0, -1)]}, ValueError,
            r"^positions\[1\] must be at least 0 on each axis, got \(0, -1\)$",
        ),
        ({"positions": [(0,)]}, TypeError, r"^positions\[0\] must be a \(row, col\) pair"),
        ({"positions": [(0, 0.5)]}, TypeError, r"^positions\[0\] must be an int or a pair"),
        ({"positions": "00"}, TypeError, r"^positions must be a sequence of \(row, col\) pairs"),
        ({"positions": [(0, 0)] * 6}, ValueError, r"^positions can hold at most 5 pairs, got 6$"),
        ({"kernel_size": 5}, ValueError, r"padded input is only 4x4 \(input 4x4, padding 0\)"),
        ({"stride": 0}, ValueError, r"^stride must be at least 1 on each axis, got 0$"),
        ({"padding": "full"}, ValueError, r"^padding must be an int, a pair of ints, 'valid'"),
        ({"height": 2.5}, TypeError, r"^height must be an int, got 2\.5$"),
        ({"width": 0}, ValueError, r"^width must be at least 1, got 0$"),
        ({"width": True}, TypeError, r"^width must be an int, got True$"),
        ({"cell_inches": 0}, ValueError, r"^cell_inches must be a positive number, got 0$"),
    ],
)
def test_plot_windows_rejects_bad_arguments(kwargs, error, match):
    arguments = {"height": 4, "width": 4, "kernel_size": 3, "stride": 1}
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        plot_windows(**arguments)


# --- plot_channel_connections -------------------------------------------------------------


def test_channel_connections_count_kernel_slices(with_gid):
    dense = plot_channel_connections(4, 6)
    assert isinstance(dense, Figure) and len(dense.axes) == 1
    assert len(with_gid(dense, "connection")) == 6 * 4
    assert all(isinstance(line, Line2D) for line in with_gid(dense, "connection"))
    assert len(with_gid(dense, "input-channel")) == 4
    assert len(with_gid(dense, "output-channel")) == 6
    grouped = plot_channel_connections(4, 6, groups=2)
    assert len(with_gid(grouped, "connection")) == 6 * 2
    # groups = C = O (depthwise): each output channel is joined to its own input only.
    depthwise = plot_channel_connections(3, 3, groups=3)
    ys = [tuple(np.round(line.get_ydata(), 6)) for line in with_gid(depthwise, "connection")]
    assert len(ys) == 3 and all(a == b for a, b in ys)


def test_channel_connections_join_only_channels_of_one_group(with_gid):
    # C = 4, O = 6, g = 2: outputs 0-2 read inputs 0-1, outputs 3-5 read inputs 2-3.
    fig = plot_channel_connections(4, 6, groups=2, kernel_size=(1, 3))
    boxes = {
        gid: sorted(p.get_y() + p.get_height() / 2 for p in with_gid(fig, gid))
        for gid in ("input-channel", "output-channel")
    }
    pairs = sorted(
        (
            boxes["input-channel"].index(pytest.approx(line.get_ydata()[0])),
            boxes["output-channel"].index(pytest.approx(line.get_ydata()[1])),
        )
        for line in with_gid(fig, "connection")
    )
    assert pairs == sorted((c, o) for o in range(6) for c in range(4) if c // 2 == o // 3)
    assert fig.axes[0].get_title() == (
        "C=4 → O=6, groups=2: weight (6, 2, 1, 3), 12 kernel slices"
    )
    assert all(isinstance(p, Rectangle) for p in with_gid(fig, "input-channel"))
    # Boxes are named in the course's notation: channel c of image n is x[n, c].
    labels = {text.get_text() for text in fig.axes[0].texts}
    assert {"x[n, 0]", "x[n, 3]", "y[n, 0]", "y[n, 5]"} <= labels


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((4, 6, 4), {}, ValueError, r"^groups=4 must divide out_channels=6$"),
        ((3, 6, 2), {}, ValueError, r"^groups=2 must divide in_channels=3$"),
        ((0, 6, 1), {}, ValueError, r"^in_channels must be at least 1, got 0$"),
        ((4, "6", 1), {}, TypeError, r"^out_channels must be an int, got '6'$"),
        ((4, 6, True), {}, TypeError, r"^groups must be an int, got True$"),
        ((4, 6, 0), {}, ValueError, r"^groups must be at least 1, got 0$"),
        ((4, 6), {"kernel_size": (3, 0)}, ValueError, r"^kernel_size must be at least 1"),
        ((4, 6), {"cell_inches": -1.0}, ValueError, r"^cell_inches must be a positive number"),
    ],
)
def test_channel_connections_reject_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_channel_connections(*args, **kwargs)
