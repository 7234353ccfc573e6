"""Real handwritten digits to learn from, split, standardised and served in minibatches.

The data are scikit-learn's ``load_digits``: 1,797 handwritten digits, 8x8 pixels
with 17 grey levels (0 to 16), about 180 of each digit, from the UCI "Optical
Recognition of Handwritten Digits" set. They ship inside the scikit-learn wheel, so
nothing is downloaded. :func:`load_digits` reads them from the file the wheel ships,
exactly as scikit-learn's own ``load_digits`` does, but without importing
scikit-learn (which brings scipy and more, and takes seconds), so ``import
convcourse`` still needs numpy alone and loading the digits takes a fraction of a
second.

What a fair experiment needs, each a small function:

* :func:`stratified_split`: a seeded train/test split that keeps every class's share
  the same in both parts;
* :func:`standardise`: zero mean and unit variance with statistics of the
  *training* images only (the test images must not leak into training);
* :func:`minibatches`: one epoch in shuffled minibatches, reproducible with a seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from .validation import (
    check_array,
    check_choice,
    check_int,
    check_labels,
    check_number,
    check_rng,
)

__all__ = ["Digits", "load_digits", "minibatches", "standardise", "stratified_split"]


@dataclass(frozen=True)
class Digits:
    """The digits, split and standardised: what :func:`load_digits` returns.

    Attributes
    ----------
    x_train, x_test : numpy.ndarray, shape (N, 1, 8, 8)
        Standardised images, NCHW (one grey channel).
    y_train, y_test : numpy.ndarray of int64, shape (N,)
        The digit each image shows, 0 to 9.
    mean, std : float
        The training pixels' mean and standard deviation, used for every part.
    x_val, y_val : numpy.ndarray
        The validation images and labels, shapes ``(N_val, 1, 8, 8)`` and ``(N_val,)``;
        empty unless :func:`load_digits` was asked for a ``validation_fraction``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    mean: float
    std: float
    x_val: np.ndarray = field(default_factory=lambda: np.empty((0, 1, 8, 8)))
    y_val: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def grey_levels(self, images: np.ndarray) -> np.ndarray:
        """Standardised images back to the grey levels they came from, to show them.

        Parameters
        ----------
        images : numpy.ndarray, shape (N, 1, H, W)
            Images standardised with this split's ``mean`` and ``std`` (a slice of
            ``x_train`` or ``x_test``).

        Returns
        -------
        numpy.ndarray, shape (N, H, W)
            ``images * std + mean``, one grey channel dropped: 0 (white) to 16 (black)
            for the digits, to within rounding.

        Examples
        --------
        >>> digits = load_digits()
        >>> levels = digits.grey_levels(digits.x_train[:2])
        >>> levels.shape, float(levels.min().round(9)), float(levels.max().round(9))
        ((2, 8, 8), 0.0, 16.0)
        """
        images = check_array(images, "images", 4, "(N, 1, H, W)")
        if images.shape[1] != 1:
            raise ValueError(
                f"images must have one grey channel, shape (N, 1, H, W), got shape "
                f"{images.shape}"
            )
        return images[:, 0] * self.std + self.mean


def stratified_split(
    labels: np.ndarray, test_fraction: float, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a train/test split that keeps each class's share in both parts.

    Each class is shuffled with ``rng`` and ``round(test_fraction * count)`` of its
    examples go to the test part, the rest to training.

    Parameters
    ----------
    labels : numpy.ndarray of ints, shape (N,)
        The class of every example.
    test_fraction : float
        Strictly between 0 and 1.
    rng : None, int or numpy.random.Generator
        The seed of the shuffle.

    Returns
    -------
    train, test : numpy.ndarray of int
        Sorted indices into ``labels``; together they are ``0 .. N - 1``, once each.

    Examples
    --------
    >>> train, test = stratified_split(np.array([0, 0, 0, 0, 1, 1, 1, 1]), 0.5, rng=0)
    >>> len(train), len(test), sorted(np.r_[train, test]) == list(range(8))
    (4, 4, True)
    """
    labels = check_labels(labels, "labels")
    test_fraction = check_number(test_fraction, "test_fraction", positive=True)
    if test_fraction >= 1:
        raise ValueError(f"test_fraction must be below 1, got {test_fraction}")
    generator = check_rng(rng)
    test = []
    for label in np.unique(labels):
        members = generator.permutation(np.flatnonzero(labels == label))
        test.append(members[: round(test_fraction * len(members))])
    test = np.sort(np.concatenate(test))
    train = np.setdiff1d(np.arange(len(labels)), test)
    return train, test


def standardise(
    train: np.ndarray, *others: np.ndarray
) -> tuple[float, float, list[np.ndarray]]:
    """Shift and scale images to zero mean and unit variance, by the training set alone.

    One mean and one standard deviation over all training pixels (not per pixel: a
    corner pixel that is always 0 would have no spread to divide by). The same
    numbers are applied to the other arrays, so the test images stay unseen.

    Parameters
    ----------
    train : numpy.ndarray
        The training images; they give the statistics.
    *others : numpy.ndarray
        More arrays (the test images) transformed with the training statistics.

    Returns
    -------
    mean, std : float
        Of the training pixels.
    arrays : list of numpy.ndarray
        ``(a - mean) / std`` for ``train`` and each of ``others``, float64.

    Examples
    --------
    >>> mean, std, (a, b) = standardise(np.array([0.0, 2.0]), np.array([4.0]))
    >>> mean, std, a, b
    (1.0, 1.0, array([-1.,  1.]), array([3.]))
    """
    train = check_array(train, "train", None, "(N, ...)")
    mean, std = float(train.mean()), float(train.std())
    if std == 0:
        raise ValueError("train must not be constant: its standard deviation is 0")
    others = [check_array(a, f"others[{k}]", None, "(N, ...)") for k, a in enumerate(others)]
    return mean, std, [(a - mean) / std for a in (train, *others)]


def _sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 digits: images ``(N, 8, 8)`` float64 and labels ``(N,)`` int64.

    Read from ``sklearn/datasets/data/digits.csv.gz`` (64 pixels and the label per
    row) with ``np.loadtxt``, as ``sklearn.datasets.load_digits`` reads it, so the
    numbers are the same; scikit-learn is located, not imported.
    """
    spec = find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "load_digits needs scikit-learn, whose wheel ships the digits: "
            "pip install scikit-learn"
        )
    rows = np.loadtxt(Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz",
                      delimiter=",")
    return rows[:, :-1].reshape(-1, 8, 8), rows[:, -1].astype(np.int64)


def load_digits(
    test_fraction: float = 0.2,
    seed: int = 0,
    dtype: str = "float64",
    validation_fraction: float = 0.0,
) -> Digits:
    """scikit-learn's 8x8 digits as NCHW arrays, split (stratified) and standardised.

    The test digits are split off first (the same ones whatever
    ``validation_fraction`` is); the validation digits are then split off what is
    left, stratified too. Only the training images give the standardisation's
    statistics.

    Parameters
    ----------
    test_fraction : float, default 0.2
        The share of every digit held out for testing (359 of the 1,797 images).
    seed : int, default 0
        Seed of the splits: the same seed, the same splits.
    dtype : {"float64", "float32"}, default "float64"
        Dtype of the images (float32 trains faster, float64 repeats exactly).
    validation_fraction : float, default 0.0
        The share of every digit, of those left after the test split, held out for
        validation (choosing the recipe, drawing learning curves); 0 for none, below 1.

    Returns
    -------
    Digits
        ``x_train`` ``(N_train, 1, 8, 8)``, ``y_train`` ``(N_train,)``, ``x_test``,
        ``y_test``, the training ``mean`` and ``std``, and ``x_val``, ``y_val``.

    Raises
    ------
    TypeError, ValueError
        For a bad ``test_fraction``, ``seed``, ``dtype`` or ``validation_fraction``.

    Examples
    --------
    >>> digits = load_digits()
    >>> digits.x_train.shape, digits.x_test.shape, digits.y_train.dtype
    ((1438, 1, 8, 8), (359, 1, 8, 8), dtype('int64'))
    >>> split = load_digits(validation_fraction=0.2)
    >>> len(split.y_train), len(split.y_val), np.array_equal(split.y_test, digits.y_test)
    (1151, 287, True)
    """
    seed = check_int(seed, "seed", minimum=0)
    dtype = check_choice(dtype, "dtype", ("float64", "float32"))
    validation_fraction = check_number(validation_fraction, "validation_fraction",
                                       non_negative=True)
    if validation_fraction >= 1:
        raise ValueError(f"validation_fraction must be below 1, got {validation_fraction}")
    images, labels = _sklearn_digits()
    images = images.reshape(-1, 1, 8, 8)  # NCHW, one grey channel
    train, test = stratified_split(labels, test_fraction, rng=seed)
    val = train[:0]
    if validation_fraction > 0:
        kept, held = stratified_split(labels[train], validation_fraction, rng=seed + 1)
        train, val = train[kept], train[held]
    mean, std, (x_train, x_test) = standardise(images[train], images[test])
    x_val = (images[val] - mean) / std
    return Digits(x_train.astype(dtype), labels[train], x_test.astype(dtype), labels[test],
                  mean, std, x_val.astype(dtype), labels[val])


def minibatches(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | int | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch: every example once, in a shuffled order, ``batch_size`` at a time.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, ...)
        The inputs.
    y : numpy.ndarray of ints, shape (N,)
        Their labels.
    batch_size : int
        Examples per batch; the last batch holds the ``N % batch_size`` left over if
        any (like torch's ``DataLoader`` with ``drop_last=False``).
    rng : None, int or numpy.random.Generator
        The shuffle. Pass one generator for a whole training run: each epoch then
        draws a new order, and the run repeats exactly from the same seed.

    Yields
    ------
    (x_batch, y_batch)
        Copies of the selected rows.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> [yb.tolist() for _, yb in minibatches(np.zeros((5, 2)), np.arange(5), 2, rng)]
    [[2, 4], [3, 0], [1]]
    """
    x = check_array(x, "x", None, "(N, ...)")
    y = check_labels(y, "y", count=len(x))
    batch_size = check_int(batch_size, "batch_size")
    generator = check_rng(rng)
    order = generator.permutation(len(x))
    for start in range(0, len(x), batch_size):
        chosen = order[start : start + batch_size]
        yield x[chosen], y[chosen]
