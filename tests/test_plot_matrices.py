"""Tests of :mod:`convcourse.plot.matrices`: dense matrices (ch. 4), value grids, im2col and
col2im (ch. 5)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from convcourse import fast
from convcourse.linear_map import conv_as_matrix
from convcourse.plot import HIGHLIGHT_COLOR, plot_col2im, plot_grid, plot_im2col, plot_matrix

# --- plot_matrix --------------------------------------------------------------------------


def test_zeros_are_masked_and_values_kept():
    matrix = conv_as_matrix(np.arange(1.0, 5.0).reshape(1, 1, 2, 2) - 2.5, (1, 3, 3))
    fig = plot_matrix(matrix, title="M")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    (image,) = ax.get_images()
    data = image.get_array()
    assert np.array_equal(data.mask, matrix == 0)
    assert np.array_equal(data.data[matrix != 0], matrix[matrix != 0])
    low, high = image.get_clim()
    assert low == -high == -np.abs(matrix).max()  # symmetric about 0
    assert ax.get_title() == "M"


def test_block_lines_and_origin(with_gid):
    matrix = np.eye(6, 8)
    fig, ax = plt.subplots()
    assert plot_matrix(matrix, ax=ax, row_blocks=3, col_blocks=2, origin=(10, 20)) is fig
    # 2 horizontal and 1 vertical separator
    assert len(ax.lines) == 3
    blocks = with_gid(fig, "block")
    assert sorted(line.get_ydata()[0] for line in blocks[:2]) == [11.5, 13.5]
    assert blocks[2].get_xdata()[0] == 23.5
    (image,) = ax.get_images()
    assert image.get_extent() == [19.5, 27.5, 15.5, 9.5]
    assert len(with_gid(fig, "frame")) == 1


def test_origin_may_be_one_int():
    (image,) = plot_matrix(np.eye(2), origin=np.int64(3)).axes[0].get_images()
    assert image.get_extent() == [2.5, 4.5, 4.5, 2.5]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"matrix": [[1.0]]}, TypeError, r"^matrix must be a numpy\.ndarray \(rows, cols\)"),
        ({"matrix": np.ones(3)}, ValueError,
         r"^matrix must be 2-D \(rows, cols\), got shape \(3,\)"),
        ({"matrix": np.ones((4, 4)), "row_blocks": 3}, ValueError,
         r"^row_blocks=3 must divide the matrix's 4 rows/columns$"),
        ({"matrix": np.ones((4, 4)), "col_blocks": 0}, ValueError,
         r"^col_blocks must be at least 1, got 0$"),
        ({"matrix": np.ones((4, 4)), "col_blocks": 2.0}, TypeError,
         r"^col_blocks must be an int, got 2\.0$"),
        ({"matrix": np.ones((4, 4)), "origin": (1, -1)}, ValueError,
         r"^origin must be at least 0 on each axis, got \(1, -1\)$"),
        ({"matrix": np.ones((4, 4)), "origin": (1.0, 2)}, TypeError,
         r"^origin must be an int or a pair of ints"),
        ({"matrix": np.ones((4, 4)), "cell_inches": 0.0}, ValueError,
         r"^cell_inches must be a positive number, got 0\.0$"),
        ({"matrix": np.ones((4, 4)), "ax": 3}, TypeError,
         r"^ax must be a matplotlib.axes.Axes or None, got int$"),
    ],
)
def test_plot_matrix_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_matrix(**kwargs)


# --- plot_grid ----------------------------------------------------------------------------


def test_plot_grid_writes_every_value_and_labels_rows_and_columns():
    values = np.arange(12.0).reshape(3, 4)
    fig = plot_grid(values, title="x (3 x 4)")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert [text.get_text() for text in ax.texts] == [str(k) for k in range(12)]
    assert [text.get_position() for text in ax.texts] == [
        (c, r) for r in range(3) for c in range(4)
    ]
    assert ax.get_title() == "x (3 x 4)"
    assert [label.get_text() for label in ax.get_xticklabels()] == ["0", "1", "2", "3"]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["0", "1", "2"]
    assert list(ax.get_xticks(minor=True)) == [-0.5, 0.5, 1.5, 2.5, 3.5]
    assert [p for p in ax.patches if p.get_gid() == "highlight"] == []


def test_plot_grid_highlights_cells(with_gid):
    values = np.arange(16.0).reshape(4, 4)
    window = [(1, 2), (1, 3), (2, 2), (2, 3)]
    fig = plot_grid(values, highlight=window)
    cells = with_gid(fig, "highlight")
    assert sorted((p.get_y() + 0.5, p.get_x() + 0.5) for p in cells) == window
    assert all((p.get_width(), p.get_height()) == (1, 1) for p in cells)
    assert all(p.get_facecolor() == to_rgba(HIGHLIGHT_COLOR, 0.45) for p in cells)
    # a numpy array of cells, such as np.argwhere(mask), works too
    again = plot_grid(values, highlight=np.argwhere((values > 5) & (values < 8)))
    assert len(with_gid(again, "highlight")) == 2


def test_plot_grid_custom_labels_format_and_axes():
    fig, (left, right) = plt.subplots(1, 2)
    columns = [f"({i},{j})" for i in range(3) for j in range(3)]
    taps = [f"({u},{v})" for u in range(2) for v in range(2)]
    assert plot_grid(np.full((4, 9), 0.125), ax=right, xlabels=columns, ylabels=taps,
                     fmt=".2f") is fig
    assert [label.get_text() for label in right.get_xticklabels()] == columns
    assert [label.get_text() for label in right.get_yticklabels()] == taps
    assert {text.get_text() for text in right.texts} == {"0.12"}
    assert len(left.texts) == 0 and right.get_title() == ""
    integers = plot_grid(np.array([[1, 20]]), fmt="d")
    assert [text.get_text() for text in integers.axes[0].texts] == ["1", "20"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"values": [[1, 2]]}, TypeError, r"^values must be a numpy\.ndarray \(rows, cols\)"),
        ({"values": np.ones((1, 2, 2))}, ValueError, r"^values must be 2-D \(rows, cols\)"),
        ({"values": np.ones((2, 0))}, ValueError, r"^values must not be empty"),
        ({"values": np.array([[1j]])}, TypeError, r"^values must hold real numbers"),
        ({"highlight": [(2, 0)]}, ValueError,
         r"^highlight\[0\]=\(2, 0\) is outside the 2x3 grid \(rows 0\.\.1, columns 0\.\.2\)$"),
        ({"highlight": [(0, 0), (-1, 0)]}, ValueError,
         r"^highlight\[1\] must be at least 0 on each axis, got \(-1, 0\)$"),
        ({"highlight": [(0, True)]}, TypeError, r"^highlight\[0\] must be an int or a pair"),
        ({"highlight": [1, 2]}, TypeError, r"^highlight\[0\] must be a \(row, col\) pair, got 1$"),
        ({"highlight": (0, 1, 2)}, TypeError, r"^highlight\[0\] must be a \(row, col\) pair"),
        ({"highlight": 3}, TypeError, r"^highlight must be a sequence of \(row, col\) pairs"),
        ({"xlabels": ["a", "b"]}, ValueError,
         r"^xlabels must have one entry per column \(3\), got 2$"),
        ({"xlabels": "abc"}, TypeError, r"^xlabels must be a sequence of str, got str$"),
        ({"ylabels": ["a"]}, ValueError, r"^ylabels must have one entry per row \(2\), got 1$"),
        ({"fmt": 2}, TypeError, r"^fmt must be a format spec \(str\)"),
        ({"fmt": "d"}, ValueError, r"^fmt must be a format spec for float64 values"),
        ({"ax": "left"}, TypeError, r"^ax must be a matplotlib.axes.Axes or None, got str$"),
    ],
)
def test_plot_grid_errors(kwargs, error, match):
    arguments = {"values": np.arange(6.0).reshape(2, 3)} | kwargs
    with pytest.raises(error, match=match):
        plot_grid(**arguments)


# --- plot_im2col and plot_col2im ----------------------------------------------------------


def _highlighted(ax) -> list[tuple[int, int]]:
    """The ``(row, col)`` cells of one panel that carry the highlight."""
    return sorted((round(p.get_y() + 0.5), round(p.get_x() + 0.5)) for p in ax.patches
                  if p.get_gid() == "highlight")


def _numbers(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def test_plot_im2col_draws_the_image_and_its_columns():
    image = np.arange(20.0).reshape(4, 5)
    fig = plot_im2col(image, (2, 3), window=(1, 2))
    assert isinstance(fig, Figure)
    left, right = fig.axes
    assert _numbers(left) == [format(v, "g") for v in image.ravel()]
    cols = fast.im2col(image[None, None], (2, 3))  # (6 taps, 3 x 3 windows)
    assert _numbers(right) == [format(v, "g") for v in cols.ravel()]
    # the window at (1, 2) is rows 1-2, columns 2-4 of the image, and column 5 of cols
    assert _highlighted(left) == [(r, c) for r in (1, 2) for c in (2, 3, 4)]
    assert _highlighted(right) == [(t, 5) for t in range(6)]
    assert [label.get_text() for label in right.get_yticklabels()] == [
        "(0,0)", "(0,1)", "(0,2)", "(1,0)", "(1,1)", "(1,2)"]
    assert right.get_xticklabels()[5].get_text() == "(1,2)"
    assert right.get_title() == "cols (T = 6 taps x M = 9 windows)"
    assert fig._suptitle.get_text() == "im2col: the window at (1, 2) becomes column 5"


def test_plot_im2col_with_stride_and_dilation():
    image = np.arange(25.0).reshape(5, 5)
    fig = plot_im2col(image, 2, window=(0, 1), stride=2, dilation=2)
    left, right = fig.axes
    # reach 3, stride 2: 2 x 2 windows; window (0, 1) reads rows 0, 2 and columns 2, 4
    assert _highlighted(left) == [(0, 2), (0, 4), (2, 2), (2, 4)]
    assert _highlighted(right) == [(t, 1) for t in range(4)]
    assert _numbers(right)[1::4] == ["2", "4", "12", "14"]


def test_plot_col2im_adds_columns_back():
    fig = plot_col2im(np.ones((4, 9)), (4, 4), 2, window=(1, 2))
    left, right = fig.axes
    assert left.get_title() == "cols (T = 4 taps x M = 9 windows)"
    assert _highlighted(left) == [(t, 5) for t in range(4)]
    # columns of ones: each number counts the windows that read it
    assert _numbers(right) == ["1", "2", "2", "1", "2", "4", "4", "2",
                               "2", "4", "4", "2", "1", "2", "2", "1"]
    assert _highlighted(right) == [(1, 2), (1, 3), (2, 2), (2, 3)]
    assert right.get_title() == "col2im(cols) (4 x 4)"
    assert fig._suptitle.get_text() == "col2im: column 5 is added back onto the window at (1, 2)"


def test_plot_col2im_of_plot_im2col_columns_weights_by_the_counts():
    image = np.arange(1.0, 10.0).reshape(3, 3)
    cols = fast.im2col(image[None, None], 2)
    right = plot_col2im(cols, image.shape, 2, fmt=".0f").axes[1]
    counts = fast.col2im(np.ones_like(cols), (1, 1, 3, 3), 2)[0, 0]
    assert _numbers(right) == [format(v, ".0f") for v in (image * counts).ravel()]


@pytest.mark.parametrize(
    ("function", "kwargs", "error", "match"),
    [
        (plot_im2col, {"image": [[1.0]], "kernel_size": 1}, TypeError,
         r"^image must be a numpy\.ndarray \(H, W\)"),
        (plot_im2col, {"image": np.ones((1, 3, 3)), "kernel_size": 2}, ValueError,
         r"^image must be 2-D \(H, W\)"),
        (plot_im2col, {"image": np.ones((3, 3)), "kernel_size": 4}, ValueError,
         r"^the kernel reaches 4x4 \(kernel 4x4, dilation \(1, 1\)\) but the padded input "
         r"is only 3x3"),
        (plot_im2col, {"image": np.ones((3, 3)), "kernel_size": 2, "window": (2, 0)},
         ValueError, r"^window=\(2, 0\) is outside the 2x2 grid of windows "
         r"\(rows 0\.\.1, columns 0\.\.1\)$"),
        (plot_im2col, {"image": np.ones((3, 3)), "kernel_size": 2, "window": (0, -1)},
         ValueError, r"^window must be at least 0 on each axis"),
        (plot_im2col, {"image": np.ones((3, 3)), "kernel_size": 2, "stride": 0},
         ValueError, r"^stride must be at least 1"),
        (plot_im2col, {"image": np.ones((3, 3)), "kernel_size": (2, 0)},
         ValueError, r"^kernel_size must be at least 1 on each axis"),
        (plot_col2im, {"cols": np.ones((4, 3)), "image_shape": (3, 3), "kernel_size": 2},
         ValueError, r"^cols must have shape \(4, 4\)"),
        (plot_col2im, {"cols": np.ones((4, 4)), "image_shape": (3, 0), "kernel_size": 2},
         ValueError, r"^image_shape must be at least 1 on each axis"),
        (plot_col2im, {"cols": np.ones(4), "image_shape": (3, 3), "kernel_size": 2},
         ValueError, r"^cols must be 2-D"),
    ],
)
def test_plot_im2col_and_col2im_errors(function, kwargs, error, match):
    with pytest.raises(error, match=match):
        function(**kwargs)
