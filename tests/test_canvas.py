"""The digits on a canvas: the regions, the placement, the split and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse import canvas, data
from convcourse.canvas import (
    DIGIT_SIZE,
    corner_range,
    load_canvas_digits,
    place,
    random_positions,
)


@pytest.fixture(scope="module")
def halves() -> canvas.CanvasDigits:
    return load_canvas_digits(20, train_region="left", test_region="right")


@pytest.fixture(scope="module")
def digits() -> data.Digits:
    return data.load_digits()


@pytest.mark.parametrize("size", [16, 17, 24])
def test_each_region_keeps_the_digit_inside_its_part(size):
    half = size // 2
    inside = {  # (first row, last row + 1, first column, last column + 1) of the part
        "all": (0, size, 0, size),
        "left": (0, size, 0, half),
        "right": (0, size, size - half, size),
        "top": (0, half, 0, size),
        "bottom": (size - half, size, 0, size),
    }
    for region, (top, bottom, left, right) in inside.items():
        rows, columns = corner_range(size, region)
        assert (rows[0], rows[-1] + DIGIT_SIZE, columns[0], columns[-1] + DIGIT_SIZE) == (
            top, bottom, left, right), region
    left, right = corner_range(size, "left")[1], corner_range(size, "right")[1]
    assert left[-1] + DIGIT_SIZE <= right[0]  # the halves do not overlap


def test_place_pastes_each_digit_at_its_corner():
    rng = np.random.default_rng(0)
    images = rng.integers(1, 17, (3, 1, 8, 8))
    positions = np.array([[0, 0], [4, 2], [8, 8]])
    out = place(images, positions, 16)
    assert out.shape == (3, 1, 16, 16) and out.dtype == np.float64
    for canvas_, image, (row, column) in zip(out, images, positions, strict=True):
        np.testing.assert_array_equal(canvas_[0, row : row + 8, column : column + 8], image[0])
        assert canvas_.sum() == image.sum()  # blank everywhere else
    assert place(images[:, 0].astype(np.float32), positions, 16).dtype == np.float32


def test_random_positions_are_seeded_and_cover_the_region():
    a = random_positions(500, 20, "right", rng=3)
    np.testing.assert_array_equal(a, random_positions(500, 20, "right", rng=3))
    rows, columns = corner_range(20, "right")
    assert set(a[:, 0]) == set(rows) and set(a[:, 1]) == set(columns)


def test_the_split_is_chapter_6s_plus_a_validation_set(halves, digits):
    np.testing.assert_array_equal(halves.y_test, digits.y_test)
    assert len(halves.y_train) + len(halves.y_val) == len(digits.y_train)
    assert (len(halves.y_train), len(halves.y_val), len(halves.y_test)) == (1151, 287, 359)
    # every class keeps its share in the validation set (stratified)
    share = np.bincount(halves.y_val) / np.bincount(digits.y_train)
    assert np.all(np.abs(share - 0.2) < 0.01)
    # the test canvases hold chapter 6's test digits, pixel for pixel
    levels = halves.x_test * halves.std + halves.mean
    for image, level, (row, column) in zip(digits.x_test, levels, halves.positions_test,
                                           strict=True):
        np.testing.assert_allclose(level[0, row : row + 8, column : column + 8],
                                   image[0] * digits.std + digits.mean, atol=1e-12)


def test_train_and_validation_digits_come_from_chapter_6s_training_part(halves, digits):
    """Each training and validation canvas holds a training digit of chapter 6, and
    together they are as many as chapter 6 trains on."""
    seen = {image.tobytes() for image in np.rint(digits.x_train * digits.std + digits.mean)}
    pieces = []
    for x, positions in ((halves.x_train, halves.positions_train),
                         (halves.x_val, halves.positions_val)):
        levels = np.rint(x * halves.std + halves.mean)
        pieces += [level[:, r : r + 8, c : c + 8].tobytes()
                   for level, (r, c) in zip(levels, positions, strict=True)]
    assert set(pieces) <= seen
    assert len(pieces) == len(digits.x_train)


def test_each_part_lies_in_its_region_and_the_statistics_are_the_training_ones(halves):
    assert halves.positions_train[:, 1].max() <= corner_range(20, "left")[1][-1]
    assert halves.positions_val[:, 1].max() <= corner_range(20, "left")[1][-1]
    assert halves.positions_test[:, 1].min() >= corner_range(20, "right")[1][0]
    assert abs(halves.x_train.mean()) < 1e-12 and abs(halves.x_train.std() - 1) < 1e-12
    background = -halves.mean / halves.std  # blank pixels, standardised
    assert np.all(halves.x_test[:, 0, :, :10] == background)  # the left half stays blank
    assert halves.canvas_size == 20 and halves.x_train.dtype == np.float64


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    a, b = load_canvas_digits(12, seed=1), load_canvas_digits(12, seed=1)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.positions_val, b.positions_val)
    c = load_canvas_digits(12, seed=2)
    assert not np.array_equal(a.positions_train, c.positions_train)
    assert load_canvas_digits(12, dtype="float32").x_val.dtype == np.float32
    d = load_canvas_digits(16, train_region="left", validation_region="right")
    assert d.positions_val[:, 1].min() >= 8 and d.positions_train[:, 1].max() == 0


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: corner_range(15, "left"), ValueError,
         "canvas_size must be at least 16 for a digit to fit in the left half, got 15"),
        (lambda: corner_range(7), ValueError, "canvas_size must be at least 8, got 7"),
        (lambda: corner_range(16, "middle"), ValueError, "region must be one of 'all', "),
        (lambda: load_canvas_digits(16, test_region="centre"), ValueError,
         "test_region must be one of 'all'"),
        (lambda: load_canvas_digits(12, train_region="left"), ValueError,
         "canvas_size must be at least 16 for a digit to fit in the left half, got 12"),
        (lambda: load_canvas_digits(16, validation_fraction=1.0), ValueError,
         "validation_fraction must be below 1, got 1.0"),
        (lambda: load_canvas_digits(16, validation_fraction=0), ValueError,
         "validation_fraction must be a positive number, got 0"),
        (lambda: load_canvas_digits(16.0), TypeError, "canvas_size must be an int, got 16.0"),
        (lambda: place(np.zeros((2, 8, 8)), np.array([[0, 0]]), 16), ValueError,
         r"positions must hold one \(row, column\) pair of ints per image, shape \(2, 2\)"),
        (lambda: place(np.zeros((1, 8, 8)), np.array([[0.0, 1.0]]), 16), ValueError,
         "got shape \\(1, 2\\) and dtype float64"),
        (lambda: place(np.zeros((1, 8, 8)), np.array([[0, 9]]), 16), ValueError,
         "positions must be from 0 to 8 for an 8x8 digit to fit on a 16x16 canvas, got "
         "values from 0 to 9"),
        (lambda: place(np.zeros((1, 7, 8)), np.array([[0, 0]]), 16), ValueError,
         r"images must have shape \(N, 8, 8\) or \(N, 1, 8, 8\), got \(1, 7, 8\)"),
        (lambda: place([[0]], np.array([[0, 0]]), 16), TypeError, "images must be a numpy"),
        (lambda: random_positions(0, 16), ValueError, "count must be at least 1, got 0"),
    ],
)
def test_bad_arguments_are_named(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
