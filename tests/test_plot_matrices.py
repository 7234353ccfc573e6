"""Tests of :mod:`convcourse.plot.matrices`: dense matrices (chapter 4)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from convcourse.linear_map import conv_as_matrix
from convcourse.plot import plot_matrix

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

