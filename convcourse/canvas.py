"""The 8x8 digits placed on a larger blank canvas, at seeded positions.

On its own 8x8 image, every digit is centred and fills the frame: nothing tests
whether a network recognises a digit *wherever* it is. Pasted at random positions on
a larger blank canvas (grey level 0), it must; and pasted only in the left half for
training and only in the right half for testing, the network must recognise digits
at positions it has never seen (chapter 7).

* :func:`corner_range`: where a digit's top-left corner may go, for a region of the
  canvas (``"all"``, ``"left"``, ``"right"``, ``"top"``, ``"bottom"``);
* :func:`random_positions`: seeded corners inside a region;
* :func:`place`: digits pasted at given corners;
* :func:`load_canvas_digits`: the whole data set, with chapter 6's train/test split
  (:func:`convcourse.data.load_digits`), a validation set taken from its training
  part, every part placed in its own region and standardised with the training
  canvases' statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import load_digits, standardise, stratified_split
from .validation import check_array, check_choice, check_int, check_number, check_rng

__all__ = [
    "DIGIT_SIZE",
    "REGIONS",
    "CanvasDigits",
    "corner_range",
    "load_canvas_digits",
    "place",
    "random_positions",
]

#: Height and width of one digit.
DIGIT_SIZE = 8

#: The parts of the canvas a digit can be confined to. A half is ``canvas_size // 2``
#: pixels wide (or high), at its side of the canvas; the digit lies wholly inside it.
REGIONS = ("all", "left", "right", "top", "bottom")


def corner_range(canvas_size: int, region: str = "all") -> tuple[range, range]:
    """The rows and columns where a digit's top-left corner may go, for it to lie
    wholly inside ``region`` of a ``canvas_size`` x ``canvas_size`` canvas.

    Parameters
    ----------
    canvas_size : int
        Height and width of the canvas, at least 8 (16 for a half).
    region : {"all", "left", "right", "top", "bottom"}, default "all"
        The whole canvas, or one half of it.

    Returns
    -------
    rows, columns : range
        The allowed corner rows and columns.

    Examples
    --------
    >>> corner_range(20, "left"), corner_range(20, "right")
    ((range(0, 13), range(0, 3)), (range(0, 13), range(10, 13)))
    """
    canvas_size = check_int(canvas_size, "canvas_size", minimum=DIGIT_SIZE)
    region = check_choice(region, "region", REGIONS)
    last = canvas_size - DIGIT_SIZE  # the largest corner that keeps the digit inside
    half = canvas_size // 2
    if region != "all" and half < DIGIT_SIZE:
        raise ValueError(
            f"canvas_size must be at least {2 * DIGIT_SIZE} for a digit to fit in the "
            f"{region} half, got {canvas_size}"
        )
    whole = range(last + 1)
    first_half, second_half = range(half - DIGIT_SIZE + 1), range(canvas_size - half, last + 1)
    return {
        "all": (whole, whole),
        "left": (whole, first_half),
        "right": (whole, second_half),
        "top": (first_half, whole),
        "bottom": (second_half, whole),
    }[region]


def random_positions(
    count: int,
    canvas_size: int,
    region: str = "all",
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """``count`` top-left corners drawn uniformly from those of ``region``.

    Returns
    -------
    numpy.ndarray of int64, shape (count, 2)
        ``(row, column)`` of each corner.

    Examples
    --------
    >>> random_positions(3, 16, "right", rng=0)[:, 1].tolist()  # the right half: 8 only
    [8, 8, 8]
    """
    count = check_int(count, "count")
    rows, columns = corner_range(canvas_size, region)
    generator = check_rng(rng)
    return np.stack([generator.integers(rows.start, rows.stop, count),
                     generator.integers(columns.start, columns.stop, count)], axis=1)


def place(images: np.ndarray, positions: np.ndarray, canvas_size: int) -> np.ndarray:
    """Paste each image on a blank (zero) canvas with its top-left corner at its position.

    Parameters
    ----------
    images : numpy.ndarray, shape (N, 8, 8) or (N, 1, 8, 8)
        The digits (grey levels, so that the blank canvas is white).
    positions : numpy.ndarray of ints, shape (N, 2)
        ``(row, column)`` of each digit's top-left corner; the digit must fit.
    canvas_size : int
        Height and width of the canvas.

    Returns
    -------
    numpy.ndarray, shape (N, 1, canvas_size, canvas_size)
        In the images' dtype (float64 for integers).

    Examples
    --------
    >>> out = place(np.ones((1, 8, 8)), np.array([[2, 5]]), 16)
    >>> out.shape, out[0, 0, 2:10, 5:13].min(), out.sum()
    ((1, 1, 16, 16), np.float64(1.0), np.float64(64.0))
    """
    images = check_array(images, "images", None, "(N, 8, 8)")
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3 or images.shape[1:] != (DIGIT_SIZE, DIGIT_SIZE):
        raise ValueError(f"images must have shape (N, 8, 8) or (N, 1, 8, 8), got "
                         f"{images.shape}")
    positions = check_array(positions, "positions", 2, "(N, 2)")
    if positions.dtype.kind not in "iu" or positions.shape != (len(images), 2):
        raise ValueError(
            f"positions must hold one (row, column) pair of ints per image, shape "
            f"({len(images)}, 2), got shape {positions.shape} and dtype {positions.dtype}"
        )
    canvas_size = check_int(canvas_size, "canvas_size", minimum=DIGIT_SIZE)
    if positions.min() < 0 or positions.max() > canvas_size - DIGIT_SIZE:
        raise ValueError(
            f"positions must be from 0 to {canvas_size - DIGIT_SIZE} for an 8x8 digit to fit "
            f"on a {canvas_size}x{canvas_size} canvas, got values from {positions.min()} to "
            f"{positions.max()}"
        )
    dtype = images.dtype if images.dtype.kind == "f" else np.float64
    canvases = np.zeros((len(images), 1, canvas_size, canvas_size), dtype=dtype)
    for canvas, image, (row, column) in zip(canvases, images, positions, strict=True):
        canvas[0, row : row + DIGIT_SIZE, column : column + DIGIT_SIZE] = image
    return canvases


@dataclass(frozen=True)
class CanvasDigits:
    """The digits on a canvas, split in three and standardised: what
    :func:`load_canvas_digits` returns.

    Attributes
    ----------
    x_train, x_val, x_test : numpy.ndarray, shape (N, 1, S, S)
        Standardised canvases, ``S = canvas_size``.
    y_train, y_val, y_test : numpy.ndarray of int64, shape (N,)
        The digit on each canvas.
    positions_train, positions_val, positions_test : numpy.ndarray of int64, shape (N, 2)
        ``(row, column)`` of each digit's top-left corner.
    mean, std : float
        The training canvases' pixel mean and standard deviation, used for all parts.
    canvas_size : int
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    positions_train: np.ndarray
    positions_val: np.ndarray
    positions_test: np.ndarray
    mean: float
    std: float
    canvas_size: int


def load_canvas_digits(
    canvas_size: int = 16,
    train_region: str = "all",
    test_region: str = "all",
    validation_region: str | None = None,
    validation_fraction: float = 0.2,
    seed: int = 0,
    dtype: str = "float64",
) -> CanvasDigits:
    """The 8x8 digits on a blank ``canvas_size`` square canvas, at seeded positions.

    The test set is chapter 6's (:func:`convcourse.data.load_digits` with the same
    ``seed``: 359 digits); ``validation_fraction`` of every digit of its training part
    is held out for validation (stratified, seeded), the rest is for training. Each
    digit is then pasted at a corner drawn uniformly inside its part's region, and the
    canvases are standardised with the mean and standard deviation of the training
    canvases' pixels.

    Parameters
    ----------
    canvas_size : int, default 16
        Height and width of the canvas, at least 8 (16 when a region is a half).
    train_region, test_region : {"all", "left", "right", "top", "bottom"}, default "all"
        Where the training and test digits may lie (see :func:`corner_range`).
    validation_region : str or None, default None
        Where the validation digits may lie; ``None`` means ``train_region`` (the
        validation set then measures what training is meant to learn).
    validation_fraction : float, default 0.2
        The share of every digit of the training part held out, strictly between 0
        and 1 (0.2: 287 of the 1,438).
    seed : int, default 0
        The seed of the splits and of the positions.
    dtype : {"float64", "float32"}, default "float64"

    Returns
    -------
    CanvasDigits

    Examples
    --------
    >>> d = load_canvas_digits(24, train_region="left", test_region="right")
    >>> d.x_train.shape, d.x_val.shape, d.x_test.shape
    ((1151, 1, 24, 24), (287, 1, 24, 24), (359, 1, 24, 24))
    >>> int(d.positions_train[:, 1].max()), int(d.positions_test[:, 1].min())
    (4, 12)
    """
    canvas_size = check_int(canvas_size, "canvas_size", minimum=DIGIT_SIZE)
    regions = {"train": train_region, "test": test_region,
               "validation": train_region if validation_region is None else validation_region}
    for part, region in regions.items():
        corner_range(canvas_size, check_choice(region, f"{part}_region", REGIONS))
    validation_fraction = check_number(validation_fraction, "validation_fraction",
                                       positive=True)
    if validation_fraction >= 1:
        raise ValueError(f"validation_fraction must be below 1, got {validation_fraction}")
    seed = check_int(seed, "seed", minimum=0)
    dtype = check_choice(dtype, "dtype", ("float64", "float32"))

    digits = load_digits(seed=seed)  # chapter 6's split; back to grey levels 0 .. 16
    train_levels = np.rint(digits.grey_levels(digits.x_train))
    test_levels = np.rint(digits.grey_levels(digits.x_test))
    split_seed, position_seed = np.random.SeedSequence(seed).spawn(2)
    train, val = stratified_split(digits.y_train, validation_fraction,
                                  rng=np.random.default_rng(split_seed))
    generator = np.random.default_rng(position_seed)
    parts = {"train": (train_levels[train], digits.y_train[train]),
             "validation": (train_levels[val], digits.y_train[val]),
             "test": (test_levels, digits.y_test)}
    positions = {part: random_positions(len(images), canvas_size, regions[part], generator)
                 for part, (images, _) in parts.items()}
    canvases = [place(images, positions[part], canvas_size)
                for part, (images, _) in parts.items()]
    mean, std, (x_train, x_val, x_test) = standardise(*canvases)
    return CanvasDigits(
        x_train.astype(dtype), parts["train"][1], x_val.astype(dtype), parts["validation"][1],
        x_test.astype(dtype), parts["test"][1], positions["train"], positions["validation"],
        positions["test"], mean, std, canvas_size,
    )
