"""Tests for the "images and kernels" helpers of convcourse.plot (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from convcourse import kernels, plot  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _images(count, shape=(6, 5)):
    rng = np.random.default_rng(0)
    return [rng.normal(size=shape) for _ in range(count)]


def test_show_images_one_axes_per_image_with_titles():
    images = _images(5)
    fig, axes = plot.show_images(images, [f"image {k}" for k in range(5)], ncols=3)
    assert len(axes) == 5 and len(fig.axes) == 5  # the sixth grid cell is removed
    assert [ax.get_title() for ax in axes] == [f"image {k}" for k in range(5)]
    assert fig.get_size_inches() == pytest.approx((3 * 2.5, 2 * 2.5))


def test_show_images_chooses_colour_maps_by_sign_and_handles_rgb():
    signed = np.array([[-2.0, 1.0], [0.5, 0.0]])
    positive = np.abs(signed)
    rgb = np.random.default_rng(1).random((4, 4, 3))
    _, axes = plot.show_images([signed, positive, rgb])
    signed_image = axes[0].get_images()[0]
    assert signed_image.get_cmap().name == plot.SIGNED_CMAP
    low, high = signed_image.get_clim()
    assert low == -high and 1.9 < high <= 2.0  # symmetric, at a high percentile of |x|
    assert axes[1].get_images()[0].get_cmap().name == "gray"
    assert axes[2].get_images()[0].get_array().shape == (4, 4, 3)


def test_signed_limits_ignore_a_few_outliers_and_zero_maps_are_white():
    edge_map = np.zeros((50, 50))
    edge_map[:, 10] = 1.0
    edge_map[0, 0] = -100.0  # one outlier must not wash out the edge
    zeros = np.zeros((4, 4))
    _, axes = plot.show_images([edge_map, zeros])
    assert axes[0].get_images()[0].get_clim() == (-1.0, 1.0)
    zero_image = axes[1].get_images()[0]
    assert zero_image.get_cmap().name == plot.SIGNED_CMAP
    low, high = zero_image.get_clim()
    assert low < 0 < high


def test_show_images_without_titles_and_with_forced_cmap():
    _, axes = plot.show_images(_images(2), cmap="viridis")
    assert [ax.get_title() for ax in axes] == ["", ""]
    assert all(ax.get_images()[0].get_cmap().name == "viridis" for ax in axes)


def test_show_kernel_annotates_small_kernels_only():
    ax = plot.show_kernel(kernels.sobel_x(), title="Sobel x")
    assert ax.get_title() == "Sobel x"
    assert sorted(text.get_text() for text in ax.texts) == sorted(
        ["-1", "0", "1", "-2", "0", "2", "-1", "0", "1"]
    )
    assert ax.get_images()[0].get_clim() == (-2.0, 2.0)
    big = plot.show_kernel(kernels.gaussian_blur(5, 1.0))
    assert len(big.texts) == 0


def test_show_kernel_gallery_pairs_each_kernel_with_its_map():
    names = ["box_blur", "sobel_x", "laplacian"]
    fig, axes = plot.show_kernel_gallery(
        [kernels.get(n) for n in names], _images(3), names, ncols=2
    )
    assert axes.shape == (3, 2)
    assert len(fig.axes) == 6
    assert [pair[0].get_title() for pair in axes] == names
    assert all(len(pair[1].get_images()) == 1 for pair in axes)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: plot.show_images([]), TypeError, "images must be a non-empty"),
        (lambda: plot.show_images(np.zeros((3, 3))), TypeError, "images must be a non-empty"),
        (lambda: plot.show_images([np.zeros(4)]), ValueError, r"images\[0\] must have shape"),
        (lambda: plot.show_images([np.zeros((2, 2, 4))]), ValueError, "shape"),
        (lambda: plot.show_images(["x"]), TypeError, r"images\[0\] must be a numpy.ndarray"),
        (lambda: plot.show_images(_images(2), ["one"]), ValueError, "one entry per image"),
        (lambda: plot.show_images(_images(2), "ab"), TypeError, "titles must be a sequence"),
        (lambda: plot.show_images(_images(2), ncols=0), ValueError, "ncols must be at least 1"),
        (lambda: plot.show_images(_images(2), ncols=1.5), TypeError, "ncols must be an int"),
        (lambda: plot.show_images(_images(2), size=-1), ValueError, "size must be a positive"),
        (lambda: plot.show_kernel([[1, 0]]), TypeError, "kernel must be a numpy.ndarray"),
        (lambda: plot.show_kernel(np.zeros(3)), ValueError, "kernel must be 2-D \\(kh, kw\\)"),
        (
            lambda: plot.show_kernel_gallery([np.eye(3)], _images(2), ["a"]),
            ValueError,
            "maps must have one entry per kernel",
        ),
        (
            lambda: plot.show_kernel_gallery([np.eye(3)], _images(1), ["a", "b"]),
            ValueError,
            "titles must have one entry",
        ),
        (lambda: plot.show_kernel_gallery([], [], []), TypeError, "kernels must be a non-empty"),
    ],
)
def test_bad_arguments_raise_with_a_useful_message(call, error, message):
    with pytest.raises(error, match=message):
        call()
