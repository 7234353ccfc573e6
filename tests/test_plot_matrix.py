"""Tests for convcourse.plot.show_matrix (chapter 4's dense-matrix figures)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from convcourse.linear_map import conv_as_matrix  # noqa: E402
from convcourse.plot import show_matrix  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_zeros_are_masked_and_values_kept():
    matrix = conv_as_matrix(np.arange(1.0, 5.0).reshape(1, 1, 2, 2) - 2.5, (1, 3, 3))
    ax = show_matrix(matrix, title="M")
    (image,) = ax.get_images()
    data = image.get_array()
    assert np.array_equal(data.mask, matrix == 0)
    assert np.array_equal(data.data[matrix != 0], matrix[matrix != 0])
    low, high = image.get_clim()
    assert low == -high == -np.abs(matrix).max()  # symmetric about 0
    assert ax.get_title() == "M"


def test_block_lines_and_origin():
    matrix = np.eye(6, 8)
    fig, ax = plt.subplots()
    show_matrix(matrix, ax=ax, row_blocks=3, col_blocks=2, origin=(10, 20))
    # 2 horizontal and 1 vertical separator
    assert len(ax.lines) == 3
    (image,) = ax.get_images()
    assert image.get_extent() == [19.5, 27.5, 15.5, 9.5]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"matrix": [[1.0]]}, TypeError, "matrix"),
        ({"matrix": np.ones(3)}, ValueError, "matrix"),
        ({"matrix": np.ones((4, 4)), "row_blocks": 3}, ValueError, "row_blocks"),
        ({"matrix": np.ones((4, 4)), "col_blocks": 0}, ValueError, "col_blocks"),
        ({"matrix": np.ones((4, 4)), "origin": (1, -1)}, ValueError, "origin"),
    ],
)
def test_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        show_matrix(**kwargs)


def test_show_matrix_rejects_what_is_not_a_2d_array():
    with pytest.raises(TypeError, match=r"matrix must be a numpy\.ndarray \(rows, cols\)"):
        show_matrix([[1.0]])
    with pytest.raises(ValueError, match=r"matrix must be 2-D \(rows, cols\), got shape \(3,\)"):
        show_matrix(np.zeros(3))
