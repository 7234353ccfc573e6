"""Tests of :mod:`convcourse.plot.backward` (chapter 2): 1-D connections, usage counts,
and the steps from the upstream gradient to the input's gradient."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from convcourse import conv_output_size, naive
from convcourse.plot import (
    WINDOW_COLORS,
    plot_connections_1d,
    plot_grad_x_steps,
    plot_usage_counts,
)

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
    assert f"$y_{{{n_out - 1}}}$" in labels and f"$y_{{{n_out}}}$" not in labels
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


# --- plot_grad_x_steps --------------------------------------------------------------------


def _texts(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def _labels(values: np.ndarray) -> list[str]:
    return [f"{v:g}" for v in (values + 0.0).ravel()]


@pytest.mark.parametrize(
    ("size", "kernel_shape", "stride", "padding"),
    [((5, 5), (3, 3), 2, 1), ((6, 8), (2, 3), (3, 2), (1, 0)), ((4, 4), (2, 2), 1, 0),
     ((7, 5), (3, 1), 2, 2), ((3, 3), (3, 3), 1, 0)],
)
def test_grad_x_steps_end_in_the_packages_grad_x(with_gid, size, kernel_shape, stride, padding):
    rng = np.random.default_rng(7)
    kernel = rng.integers(-3, 4, kernel_shape).astype(float)
    x = np.zeros((1, 1, *size))
    out_shape = naive.conv2d_forward(x, kernel[None, None], stride=stride, padding=padding).shape
    grad_out = rng.integers(-3, 4, out_shape[2:]).astype(float)
    fig = plot_grad_x_steps(grad_out, kernel, size, stride=stride, padding=padding)
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert len(axes) == 7
    grad_x = naive.conv2d_backward(grad_out[None, None], x, kernel[None, None], stride=stride,
                                   padding=padding)[0][0, 0]
    # Step 5 is the gradient of the padded input: a convolution without padding of x_pad.
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    x_pad = np.zeros((1, 1, size[0] + 2 * p_h, size[1] + 2 * p_w))
    grad_x_pad = naive.conv2d_backward(grad_out[None, None], x_pad, kernel[None, None],
                                       stride=stride)[0][0, 0]
    assert _texts(axes[0]) == _labels(grad_out)
    assert _texts(axes[3]) == _labels(kernel)
    assert _texts(axes[4]) == _labels(kernel[::-1, ::-1])
    assert _texts(axes[5]) == _labels(grad_x_pad)
    assert _texts(axes[6]) == _labels(grad_x)
    # Step 2 holds grad_out's entries every stride, and zeros in between.
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    dilated_shape = (s_h * (out_shape[2] - 1) + 1, s_w * (out_shape[3] - 1) + 1)
    inserted = dilated_shape[0] * dilated_shape[1] - grad_out.size
    assert len(_texts(axes[1])) == dilated_shape[0] * dilated_shape[1]
    assert len(axes[1].findobj(lambda a: a.get_gid() == "stride-zero")) == inserted
    # Step 3: kh + kw - 1 rows/columns more than the padded input, around step 2.
    kh, kw = kernel_shape
    framed = (x_pad.shape[2] + kh - 1, x_pad.shape[3] + kw - 1)
    assert len(_texts(axes[2])) == framed[0] * framed[1]
    assert len(axes[2].findobj(lambda a: a.get_gid() == "stride-zero")) == inserted
    assert len(with_gid(fig, "padding")) == framed[0] * framed[1] - np.prod(dilated_shape)
    assert len(with_gid(fig, "cropped")) == x_pad[0, 0].size - size[0] * size[1]
    assert with_gid(fig, "window") == [] and with_gid(fig, "highlight") == []


def test_grad_x_steps_follow_one_pixel(with_gid):
    grad_out = np.array([[1, 2, -1], [0, 3, 1], [2, -2, 1]])
    kernel = np.array([[1, 0, -1], [2, 1, 0], [0, -1, 1]])
    fig = plot_grad_x_steps(grad_out, kernel, 5, stride=2, padding=1, pixel=(1, 2))
    (window,) = with_gid(fig, "window")
    assert window.axes is fig.axes[2]
    # Pixel (1, 2) sits at (2, 3) of the padded input: the window starts there.
    assert window.get_xy() == (3 - 0.5, 2 - 0.5)
    assert (window.get_width(), window.get_height()) == (3, 3)
    cells = with_gid(fig, "highlight")
    assert [cell.axes for cell in cells] == [fig.axes[5], fig.axes[6]]
    assert [cell.get_xy() for cell in cells] == [(2.5, 1.5), (1.5, 0.5)]


def test_grad_x_steps_titles_say_when_rows_are_unreached():
    fig = plot_grad_x_steps(np.ones((3, 3)), np.ones((2, 3)), (6, 8), stride=(3, 2),
                            padding=(1, 0))
    assert "0 row(s), 1 col(s)" in fig.axes[2].get_title()
    assert "stride, (3, 2)" in fig.axes[1].get_title()
    fig = plot_grad_x_steps(np.ones((3, 3)), np.ones((3, 3)), 5, stride=2, padding=1)
    assert "reached" not in fig.axes[2].get_title()
    assert "stride, 2" in fig.axes[1].get_title()


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"grad_out": [[1.0]]}, TypeError,
         r"^grad_out must be a numpy.ndarray \(H_out, W_out\), got list$"),
        ({"kernel": np.ones(3)}, ValueError, r"^kernel must be 2-D \(kh, kw\)"),
        ({"input_size": 0}, ValueError, r"^input_size must be at least 1"),
        ({"input_size": 2}, ValueError,
         r"^input_size=2, kernel shape \(3, 3\): the kernel reaches 3x3"),
        ({"stride": 0}, ValueError, r"^stride must be at least 1"),
        ({"padding": -1}, ValueError, r"^padding must be at least 0"),
        ({"padding": "same", "stride": 2}, ValueError,
         r"^padding='same' needs stride 1 on both axes, got stride=\(2, 2\)$"),
        ({"grad_out": np.ones((2, 2))}, ValueError,
         r"^grad_out must have the output's shape \(3, 3\) \(input 5x5, kernel 3x3, "
         r"stride \(1, 1\), padding \(0, 0, 0, 0\)\), got \(2, 2\)$"),
        ({"pixel": (5, 0)}, ValueError,
         r"^pixel=\(5, 0\) is outside the 5x5 input \(rows 0..4, columns 0..4\)$"),
        ({"pixel": "a"}, TypeError, r"^pixel must be an int or a pair of ints"),
        ({"fmt": 2}, TypeError, r"^fmt must be a format spec \(str\)"),
        ({"fmt": "d"}, ValueError, r"^fmt must be a format spec for float64 values"),
        ({"cell_inches": 0}, ValueError, r"^cell_inches must be a positive number, got 0$"),
    ],
)
def test_grad_x_steps_argument_errors(kwargs, error, pattern):
    arguments = {"grad_out": np.ones((3, 3)), "kernel": np.ones((3, 3)), "input_size": 5}
    arguments |= kwargs
    with pytest.raises(error, match=pattern):
        plot_grad_x_steps(**arguments)
