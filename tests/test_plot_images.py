"""Tests of :mod:`convcourse.plot.images`: images, kernels, the kernel gallery (ch. 3)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from convcourse import kernels
from convcourse.plot import SIGNED_CMAP, plot_images, plot_kernel, plot_kernel_gallery


def _images(count, shape=(6, 5)):
    rng = np.random.default_rng(0)
    return [rng.normal(size=shape) for _ in range(count)]


# --- plot_images --------------------------------------------------------------------------


def test_plot_images_shared_scale_has_one_scale_and_a_colour_bar():
    signed = plot_images([np.eye(3), -3 * np.eye(3), np.zeros((3, 3))], shared_scale=True)
    assert [ax.images[0].get_clim() for ax in signed.axes[:3]] == [(-3.0, 3.0)] * 3
    assert signed.axes[0].images[0].get_cmap().name == SIGNED_CMAP
    assert len(signed.axes) == 4 and signed.axes[3].get_label() == "<colorbar>"
    positive = plot_images([np.eye(3), 5 * np.eye(3)], shared_scale=True, cmap="gray_r")
    assert [ax.images[0].get_clim() for ax in positive.axes[:2]] == [(0.0, 5.0)] * 2
    plt.close("all")
    with pytest.raises(TypeError, match="shared_scale must be True or False, got 1"):
        plot_images([np.eye(3)], shared_scale=1)


def test_plot_images_one_axes_per_image_with_titles():
    images = _images(5)
    fig = plot_images(images, [f"image {k}" for k in range(5)], ncols=3)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 5  # the sixth grid cell is removed
    assert [ax.get_title() for ax in fig.axes] == [f"image {k}" for k in range(5)]
    assert fig.get_size_inches() == pytest.approx((3 * 2.5, 2 * 2.5))
    assert all(np.array_equal(ax.get_images()[0].get_array(), image)
               for ax, image in zip(fig.axes, images, strict=True))


def test_plot_images_chooses_colour_maps_by_sign_and_handles_rgb():
    signed = np.array([[-2.0, 1.0], [0.5, 0.0]])
    positive = np.abs(signed)
    rgb = np.random.default_rng(1).random((4, 4, 3))
    axes = plot_images([signed, positive, rgb]).axes
    signed_image = axes[0].get_images()[0]
    assert signed_image.get_cmap().name == SIGNED_CMAP
    low, high = signed_image.get_clim()
    assert low == -high and 1.9 < high <= 2.0  # symmetric, at a high percentile of |x|
    assert axes[1].get_images()[0].get_cmap().name == "gray"
    assert axes[2].get_images()[0].get_array().shape == (4, 4, 3)


def test_signed_limits_ignore_a_few_outliers_and_zero_maps_are_white():
    edge_map = np.zeros((50, 50))
    edge_map[:, 10] = 1.0
    edge_map[0, 0] = -100.0  # one outlier must not wash out the edge
    zeros = np.zeros((4, 4))
    axes = plot_images([edge_map, zeros]).axes
    assert axes[0].get_images()[0].get_clim() == (-1.0, 1.0)
    zero_image = axes[1].get_images()[0]
    assert zero_image.get_cmap().name == SIGNED_CMAP
    low, high = zero_image.get_clim()
    assert low < 0 < high


def test_plot_images_without_titles_and_with_forced_cmap():
    axes = plot_images(_images(2), cmap="viridis").axes
    assert [ax.get_title() for ax in axes] == ["", ""]
    assert all(ax.get_images()[0].get_cmap().name == "viridis" for ax in axes)


def test_plot_images_accepts_a_tuple_numpy_ints_and_integer_images():
    fig = plot_images((np.arange(6).reshape(2, 3),), ncols=np.int64(2), size=np.float32(1.5))
    assert len(fig.axes) == 1
    assert fig.get_size_inches() == pytest.approx((1.5, 1.5))


# --- plot_kernel --------------------------------------------------------------------------


def test_plot_kernel_annotates_small_kernels_only():
    fig = plot_kernel(kernels.sobel_x(), title="Sobel x")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_title() == "Sobel x"
    assert [text.get_text() for text in ax.texts] == ["-1", "0", "1", "-2", "0", "2",
                                                      "-1", "0", "1"]
    assert ax.get_images()[0].get_clim() == (-2.0, 2.0)
    big = plot_kernel(kernels.gaussian_blur(5, 1.0))
    assert len(big.axes[0].texts) == 0
    quiet = plot_kernel(kernels.sobel_x(), annotate=False)
    assert len(quiet.axes[0].texts) == 0


def test_plot_kernel_draws_into_a_given_axes_and_returns_its_figure():
    fig, axes = plt.subplots(1, 2)
    assert plot_kernel(np.eye(2), ax=axes[1], title="right") is fig
    assert axes[1].get_title() == "right" and len(axes[1].get_images()) == 1
    assert len(axes[0].get_images()) == 0


# --- plot_kernel_gallery -------------------------------------------------------------------


def test_plot_kernel_gallery_pairs_each_kernel_with_its_map():
    names = ["box_blur", "sobel_x", "laplacian"]
    maps = _images(3)
    fig = plot_kernel_gallery([kernels.get(n) for n in names], maps, names, ncols=2)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 6
    kernel_axes, map_axes = fig.axes[0::2], fig.axes[1::2]
    assert [ax.get_title() for ax in kernel_axes] == names
    assert all(len(ax.get_images()) == 1 for ax in map_axes)
    assert all(np.array_equal(ax.get_images()[0].get_array(), kernels.get(name))
               for ax, name in zip(kernel_axes, names, strict=True))
    assert all(np.array_equal(ax.get_images()[0].get_array(), image)
               for ax, image in zip(map_axes, maps, strict=True))


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: plot_images([]), ValueError, r"^images must hold at least one"),
        (lambda: plot_images(np.zeros((3, 3))), TypeError,
         r"^images must be a list or tuple of arrays, got ndarray$"),
        (lambda: plot_images([np.zeros(4)]), ValueError,
         r"^images\[0\] must be 2-D \(H, W\) or \(H, W, 3\), got shape \(4,\)"),
        (lambda: plot_images([np.zeros((2, 2, 4))]), ValueError,
         r"^images\[0\] must have shape \(H, W\) or \(H, W, 3\), got shape \(2, 2, 4\)$"),
        (lambda: plot_images([np.zeros((0, 3))]), ValueError, r"^images\[0\] must not be empty"),
        (lambda: plot_images(["x"]), TypeError,
         r"^images\[0\] must be a numpy.ndarray \(H, W\) or \(H, W, 3\), got str$"),
        (lambda: plot_images([np.array([["a"]])]), TypeError,
         r"^images\[0\] must hold real numbers"),
        (lambda: plot_images(_images(2), ["one"]), ValueError,
         r"^titles must have one entry per image \(2\), got 1$"),
        (lambda: plot_images(_images(2), "ab"), TypeError,
         r"^titles must be a sequence of str, got str$"),
        (lambda: plot_images(_images(2), ncols=0), ValueError, r"^ncols must be at least 1"),
        (lambda: plot_images(_images(2), ncols=1.5), TypeError, r"^ncols must be an int"),
        (lambda: plot_images(_images(2), size=-1), ValueError,
         r"^size must be a positive number, got -1$"),
        (lambda: plot_images(_images(2), size=True), TypeError,
         r"^size must be a positive number, got True$"),
        (lambda: plot_kernel([[1, 0]]), TypeError,
         r"^kernel must be a numpy.ndarray \(kh, kw\), got list$"),
        (lambda: plot_kernel(np.zeros(3)), ValueError, r"^kernel must be 2-D \(kh, kw\)"),
        (lambda: plot_kernel(np.eye(3), annotate=1), TypeError,
         r"^annotate must be True or False, got 1$"),
        (lambda: plot_kernel(np.eye(3), ax="left"), TypeError,
         r"^ax must be a matplotlib.axes.Axes or None, got str$"),
        (lambda: plot_kernel_gallery([np.eye(3)], _images(2), ["a"]), ValueError,
         r"^maps must have one entry per kernel \(1\), got 2$"),
        (lambda: plot_kernel_gallery([np.eye(3)], _images(1), ["a", "b"]), ValueError,
         r"^titles must have one entry per kernel \(1\), got 2$"),
        (lambda: plot_kernel_gallery([], [], []), ValueError, r"^kernels must hold at least one"),
        (lambda: plot_kernel_gallery([np.eye(3)], np.ones((1, 4, 4)), ["a"]), TypeError,
         r"^maps must be a list or tuple of arrays, got ndarray$"),
        (lambda: plot_kernel_gallery([np.eye(3), np.ones(3)], _images(2), ["a", "b"]),
         ValueError, r"^kernels\[1\] must be 2-D \(kh, kw\)"),
        (lambda: plot_kernel_gallery([np.eye(3)], [np.zeros(4)], ["a"]), ValueError,
         r"^maps\[0\] must be 2-D"),
        (lambda: plot_kernel_gallery([np.eye(3)], _images(1), ["a"], size=0), ValueError,
         r"^size must be a positive number, got 0$"),
        (lambda: plot_kernel_gallery([np.eye(3)], _images(1), ["a"], ncols=0), ValueError,
         r"^ncols must be at least 1, got 0$"),
    ],
)
def test_bad_arguments_raise_with_a_useful_message(call, error, message):
    with pytest.raises(error, match=message):
        call()
