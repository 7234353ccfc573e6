"""Tests for convcourse.kernels: the classic named kernels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from convcourse import corr2d, kernels, reference, rel_error

SUMS_TO_ONE = ["identity", "box_blur", "gaussian_blur", "sharpen", "emboss"]
SUMS_TO_ZERO = ["sobel_x", "sobel_y", "laplacian", "difference_x"]


def test_names_cover_every_kernel_once():
    assert sorted(kernels.names()) == sorted(SUMS_TO_ONE + SUMS_TO_ZERO)


@pytest.mark.parametrize("name", SUMS_TO_ONE + SUMS_TO_ZERO)
def test_get_returns_fresh_float64_2d_arrays(name):
    first = kernels.get(name)
    assert isinstance(first, np.ndarray) and first.dtype == np.float64 and first.ndim == 2
    first[...] = 123.0
    second = kernels.get(name)
    assert not np.any(second == 123.0)


@pytest.mark.parametrize("name", SUMS_TO_ONE)
def test_kernels_that_keep_brightness_sum_to_one(name):
    assert abs(kernels.get(name).sum() - 1.0) < 1e-12


@pytest.mark.parametrize("name", SUMS_TO_ZERO)
def test_derivative_kernels_sum_to_zero_and_ignore_flat_images(name):
    kernel = kernels.get(name)
    assert abs(kernel.sum()) < 1e-12
    flat = np.full((6, 7), 0.7)
    assert np.max(np.abs(corr2d(flat, kernel))) < 1e-12


def test_sobel_y_is_sobel_x_transposed_and_responds_to_its_own_direction():
    assert np.array_equal(kernels.sobel_y(), kernels.sobel_x().T)
    ramp_right = np.tile(np.arange(6.0), (6, 1))  # brighter to the right
    assert np.all(corr2d(ramp_right, kernels.sobel_x()) == 8.0)
    assert np.all(corr2d(ramp_right, kernels.sobel_y()) == 0.0)
    assert np.all(corr2d(ramp_right.T, kernels.sobel_y()) == 8.0)


def test_difference_x_marks_vertical_edges_with_their_sign():
    image = np.zeros((3, 6))
    image[:, 2:4] = 1.0
    expected = np.zeros((3, 5))
    expected[:, 1] = -1.0  # 0 -> 1 going right
    expected[:, 3] = 1.0  # 1 -> 0 going right
    assert np.array_equal(corr2d(image, kernels.difference_x()), expected)


def test_laplacian_is_zero_on_linear_ramps_and_matches_scipy():
    x, y = np.meshgrid(np.arange(7.0), np.arange(5.0))
    assert np.max(np.abs(corr2d(2 * x - 3 * y + 1, kernels.laplacian()))) < 1e-12
    image = np.random.default_rng(0).normal(size=(9, 8))
    ours = corr2d(image, kernels.laplacian())
    theirs = ndimage.laplace(image)[1:-1, 1:-1]
    assert rel_error(ours, theirs) < 1e-12


def test_sharpen_is_identity_minus_laplacian():
    assert np.array_equal(kernels.sharpen(), kernels.identity() - kernels.laplacian())


@pytest.mark.parametrize(("size", "sigma"), [(1, 1.0), (3, 0.5), (5, 1.0), (7, 2.0), (9, 1.5)])
def test_gaussian_is_symmetric_normalised_and_peaks_in_the_centre(size, sigma):
    kernel = kernels.gaussian_blur(size, sigma)
    assert kernel.shape == (size, size)
    assert abs(kernel.sum() - 1.0) < 1e-12
    assert np.allclose(kernel, kernel.T, rtol=0, atol=1e-15)
    assert np.allclose(kernel, kernel[::-1, ::-1], rtol=0, atol=1e-15)
    assert kernel[size // 2, size // 2] == kernel.max()
    assert np.all(kernel > 0)


def test_gaussian_matches_its_formula_and_wider_sigma_is_flatter():
    size, sigma = 5, 1.3
    t = np.arange(size) - 2.0
    g = np.exp(-(t[:, None] ** 2 + t[None, :] ** 2) / (2 * sigma**2))
    assert rel_error(kernels.gaussian_blur(size, sigma), g / g.sum()) < 1e-14
    assert kernels.gaussian_blur(5, 3.0).max() < kernels.gaussian_blur(5, 0.8).max()


def test_box_blur_is_the_mean_of_each_window():
    image = np.random.default_rng(1).normal(size=(8, 9))
    blurred = corr2d(image, kernels.box_blur(3))
    assert abs(blurred[2, 4] - image[2:5, 4:7].mean()) < 1e-14
    assert kernels.box_blur(5).shape == (5, 5)


@pytest.mark.parametrize("name", SUMS_TO_ONE + SUMS_TO_ZERO)
def test_kernels_agree_with_torch_conv2d(name):
    image = np.random.default_rng(2).normal(size=(10, 11))
    kernel = kernels.get(name)
    theirs = reference.conv2d(image[None, None], kernel[None, None])[0, 0]
    assert rel_error(corr2d(image, kernel), theirs) < 1e-10


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="sobel_x") as info:
        kernels.get("sobel_z")
    assert "'sobel_z'" in str(info.value)
    for name in kernels.names():
        assert name in str(info.value)


def test_name_must_be_a_string():
    with pytest.raises(TypeError, match="name must be a str"):
        kernels.get(3)


@pytest.mark.parametrize("function", [kernels.box_blur, kernels.gaussian_blur, kernels.identity])
@pytest.mark.parametrize("size", [0, -3, 4])
def test_sizes_must_be_odd_and_positive(function, size):
    with pytest.raises(ValueError, match=f"size must be an odd positive int, got {size}"):
        function(size)


@pytest.mark.parametrize("size", [3.0, "3", None, True])
def test_sizes_must_be_ints(size):
    with pytest.raises(TypeError, match="size must be an odd positive int"):
        kernels.box_blur(size)


@pytest.mark.parametrize("sigma", [0, -1.0, float("inf"), float("nan")])
def test_sigma_must_be_positive_and_finite(sigma):
    with pytest.raises(ValueError, match="sigma must be a positive number"):
        kernels.gaussian_blur(5, sigma)


@pytest.mark.parametrize("sigma", ["1", None, True])
def test_sigma_must_be_a_number(sigma):
    with pytest.raises(TypeError, match="sigma must be a positive number"):
        kernels.gaussian_blur(5, sigma)
