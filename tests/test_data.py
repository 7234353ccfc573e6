"""The digits loader: shapes, a stratified seeded split, training-only standardisation,
and minibatches that cover every example once per epoch."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse import data


@pytest.fixture(scope="module")
def digits() -> data.Digits:
    return data.load_digits()


def test_shapes_and_dtypes(digits):
    assert digits.x_train.shape == (1438, 1, 8, 8) and digits.x_test.shape == (359, 1, 8, 8)
    assert digits.x_train.dtype == digits.x_test.dtype == np.float64
    assert digits.y_train.dtype == digits.y_test.dtype == np.int64
    assert digits.y_train.shape == (1438,) and set(digits.y_test) == set(range(10))
    small = data.load_digits(dtype="float32")
    assert small.x_train.dtype == np.float32
    np.testing.assert_array_equal(small.y_train, digits.y_train)


def test_the_digits_are_scikit_learns_without_importing_it():
    """load_digits reads scikit-learn's file itself: the same numbers, sklearn not imported."""
    import subprocess
    import sys

    from sklearn.datasets import load_digits as sklearn_digits

    images, labels = data._sklearn_digits()
    bunch = sklearn_digits()
    np.testing.assert_array_equal(images, bunch.images)
    np.testing.assert_array_equal(labels, bunch.target)
    assert images.dtype == np.float64 and labels.dtype == np.int64
    code = ("import sys; from convcourse import data; data.load_digits(); "
            "print('sklearn' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_the_split_is_stratified(digits):
    """Every digit has the same share of the test part as of the whole set, to within
    the rounding of one image."""
    everything = np.concatenate([digits.y_train, digits.y_test])
    for label in range(10):
        count = np.sum(everything == label)
        assert abs(np.sum(digits.y_test == label) - 0.2 * count) <= 0.5


def test_standardisation_uses_the_training_images_only(digits):
    train = digits.x_train.reshape(-1)
    assert abs(train.mean()) < 1e-12 and abs(train.std() - 1) < 1e-12
    assert abs(digits.x_test.mean()) > 1e-3  # the test part is not standardised by itself
    # the images are back to grey levels 0..16 with the training statistics
    raw_test = digits.x_test * digits.std + digits.mean
    np.testing.assert_allclose(raw_test, np.round(raw_test), atol=1e-12)
    assert raw_test.min() == pytest.approx(0, abs=1e-12) and raw_test.max() <= 16 + 1e-12
    # changing the other arrays does not move the statistics
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 16, (20, 1, 8, 8))
    mean, std, (a, _) = data.standardise(images[:10], images[10:])
    mean2, std2, (b, _) = data.standardise(images[:10], 1e6 * images[10:])
    assert (mean, std) == (mean2, std2) == (images[:10].mean(), images[:10].std())
    np.testing.assert_array_equal(a, b)


def test_grey_levels_undo_the_standardisation(digits):
    images, labels = data._sklearn_digits()
    train, test = data.stratified_split(labels, 0.2, rng=0)
    for standardised, raw in ((digits.x_train, images[train]), (digits.x_test, images[test])):
        levels = digits.grey_levels(standardised)
        assert levels.shape == raw.shape
        np.testing.assert_allclose(levels, raw, rtol=0, atol=1e-12)


def test_the_split_is_reproducible_and_depends_on_the_seed(digits):
    again = data.load_digits(seed=0)
    np.testing.assert_array_equal(again.x_test, digits.x_test)
    np.testing.assert_array_equal(again.y_train, digits.y_train)
    other = data.load_digits(seed=1)
    assert not np.array_equal(other.y_test, digits.y_test)


def test_the_validation_split_comes_out_of_the_training_digits(digits):
    """The test digits stay the same; validation digits are a stratified part of the rest,
    standardised with the training statistics; all three parts are disjoint."""
    split = data.load_digits(validation_fraction=0.2)
    np.testing.assert_array_equal(split.x_test, (digits.x_test * digits.std + digits.mean
                                                 - split.mean) / split.std)
    np.testing.assert_array_equal(split.y_test, digits.y_test)
    assert (len(split.y_train), len(split.y_val)) == (1151, 287)
    assert np.abs(np.bincount(split.y_val) - 0.2 * np.bincount(digits.y_train)).max() <= 0.5
    everything = np.concatenate([split.x_train, split.x_val, split.x_test]) * split.std
    assert len(np.unique(everything.reshape(len(everything), -1).round(6), axis=0)) == len(
        np.unique((np.concatenate([digits.x_train, digits.x_test]) * digits.std)
                  .reshape(1797, -1).round(6), axis=0))   # nothing lost, nothing twice
    assert abs(split.x_train.mean()) < 1e-12 and abs(split.x_train.std() - 1) < 1e-12
    assert split.x_val.shape[1:] == (1, 8, 8) and split.y_val.dtype == np.int64
    assert len(digits.y_val) == 0 and digits.x_val.shape == (0, 1, 8, 8)   # none by default
    np.testing.assert_array_equal(data.load_digits(validation_fraction=0.2).y_val, split.y_val)


def test_stratified_split_partitions_the_indices():
    labels = np.repeat(np.arange(3), [10, 20, 30])
    train, test = data.stratified_split(labels, 0.3, rng=1)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(60))
    assert [np.sum(labels[test] == k) for k in range(3)] == [3, 6, 9]
    with pytest.raises(ValueError, match=r"test_fraction must be below 1, got 1\.0"):
        data.stratified_split(labels, 1.0)
    with pytest.raises(ValueError, match=r"test_fraction must be a positive number, got 0"):
        data.stratified_split(labels, 0)


def test_minibatches_cover_every_example_once_per_epoch():
    x = np.arange(23.0).reshape(23, 1)
    y = np.arange(23)
    rng = np.random.default_rng(0)
    epochs = [list(data.minibatches(x, y, 5, rng)) for _ in range(2)]
    for batches in epochs:
        assert [len(yb) for _, yb in batches] == [5, 5, 5, 5, 3]
        seen = np.concatenate([yb for _, yb in batches])
        np.testing.assert_array_equal(np.sort(seen), y)
        for xb, yb in batches:
            np.testing.assert_array_equal(xb[:, 0], yb)  # rows stay paired
    first, second = (np.concatenate([yb for _, yb in b]) for b in epochs)
    assert not np.array_equal(first, second)  # a new order every epoch
    repeat = list(data.minibatches(x, y, 5, np.random.default_rng(0)))  # the same seed
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in repeat]), first)


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: data.load_digits(dtype=np.float32), TypeError,
         r"dtype must be one of 'float64', 'float32', got <class 'numpy\.float32'>"),
        (lambda: data.load_digits(dtype="float16"), ValueError,
         r"dtype must be one of 'float64', 'float32', got 'float16'"),
        (lambda: data.load_digits(seed=-1), ValueError, r"seed must be at least 0, got -1"),
        (lambda: data.load_digits(test_fraction=1.5), ValueError,
         r"test_fraction must be below 1"),
        (lambda: data.load_digits(validation_fraction=1.0), ValueError,
         r"validation_fraction must be below 1, got 1.0"),
        (lambda: data.load_digits(validation_fraction=-0.1), ValueError,
         r"validation_fraction must be a non-negative number, got -0.1"),
        (lambda: next(data.minibatches(np.zeros((3, 2)), np.zeros(2, int), 2)), ValueError,
         r"y must have one entry per example \(3\), got shape \(2,\)"),
        (lambda: next(data.minibatches(np.zeros((3, 2)), np.zeros(3, int), 0)), ValueError,
         r"batch_size must be at least 1, got 0"),
        (lambda: data.standardise(np.ones(4)), ValueError,
         r"train must not be constant: its standard deviation is 0"),
        (lambda: data.load_digits().grey_levels([[1.0]]), TypeError,
         r"images must be a numpy\.ndarray"),
        (lambda: data.load_digits().grey_levels(np.ones((2, 8, 8))), ValueError,
         r"images must be 4-D \(N, 1, H, W\), got shape \(2, 8, 8\)"),
        (lambda: data.load_digits().grey_levels(np.ones((2, 3, 8, 8))), ValueError,
         r"images must have one grey channel, shape \(N, 1, H, W\), got shape \(2, 3, 8, 8\)"),
    ],
)
def test_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
