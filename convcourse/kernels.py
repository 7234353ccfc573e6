"""The classic hand-made kernels of image processing, by name.

Before networks learned their kernels, people designed them by hand. Each function
below returns a fresh ``float64`` array of shape ``(kh, kw)`` that you may modify
freely; :func:`get` looks one up by name and :func:`names` lists the names.

All kernels are written for **cross-correlation** (what :func:`convcourse.corr2d` and
``torch.nn.functional.conv2d`` compute), so "positive where the image gets brighter
to the right" is literally true of :func:`sobel_x`'s output. Under a true convolution
the kernel is flipped and the signs of the antisymmetric ones (Sobel, the difference
kernel, emboss) swap.

A kernel whose entries sum to 1 (blurs, sharpen, emboss, identity) leaves a flat
patch of the image unchanged; a kernel whose entries sum to 0 (Sobel, Laplacian, the
difference kernel) answers 0 on a flat patch and responds only to change.

Examples
--------
>>> from convcourse import kernels
>>> kernels.get("sobel_x")
array([[-1.,  0.,  1.],
       [-2.,  0.,  2.],
       [-1.,  0.,  1.]])
>>> kernels.names()[:3]
('identity', 'box_blur', 'gaussian_blur')
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .validation import check_number, is_int

__all__ = [
    "box_blur",
    "difference_x",
    "emboss",
    "gaussian_blur",
    "get",
    "identity",
    "laplacian",
    "names",
    "sharpen",
    "sobel_x",
    "sobel_y",
]


def _check_size(size: object, name: str = "size") -> int:
    """Kernel sizes are odd positive ints, so the kernel has a centre pixel."""
    if not is_int(size):
        raise TypeError(f"{name} must be an odd positive int, got {size!r}")
    if size < 1 or size % 2 == 0:
        raise ValueError(f"{name} must be an odd positive int, got {size}")
    return int(size)


def identity(size: int = 3) -> np.ndarray:
    """A single 1 in the centre: the output is the input (cropped by the border).

    Parameters
    ----------
    size : int, default 3
        Odd side length ``k``; the kernel has shape ``(k, k)``.

    Returns
    -------
    numpy.ndarray, shape (size, size), float64
        Sums to 1.
    """
    size = _check_size(size)
    kernel = np.zeros((size, size))
    kernel[size // 2, size // 2] = 1.0
    return kernel


def box_blur(size: int = 3) -> np.ndarray:
    """The mean of a ``size x size`` window: blurs, and removes fine detail and noise.

    .. math:: K[u, v] = 1 / k^2

    Parameters
    ----------
    size : int, default 3
        Odd side length ``k``.

    Returns
    -------
    numpy.ndarray, shape (size, size), float64
        Sums to 1, so a flat region keeps its brightness.
    """
    size = _check_size(size)
    return np.full((size, size), 1.0 / size**2)


def gaussian_blur(size: int = 5, sigma: float = 1.0) -> np.ndarray:
    """A weighted mean whose weights fall off like a bell curve: a smooth blur.

    .. math::

        K[u, v] = \\frac{g(u) g(v)}{\\left(\\sum_t g(t)\\right)^2}, \\qquad
        g(t) = \\exp\\left(-\\frac{(t - c)^2}{2 \\sigma^2}\\right),\\; c = (k - 1) / 2

    Unlike the box blur, near pixels count more than far ones, so edges blur
    without the blocky ringing a box leaves. Make ``size`` at least ``6 * sigma``
    (rounded up to odd) so little of the bell is cut off.

    Parameters
    ----------
    size : int, default 5
        Odd side length ``k``.
    sigma : float, default 1.0
        Standard deviation of the bell in pixels, positive.

    Returns
    -------
    numpy.ndarray, shape (size, size), float64
        Symmetric (equal to its transpose and to its flips) and summing to 1.
    """
    size = _check_size(size)
    sigma = check_number(sigma, "sigma", positive=True)
    offsets = np.arange(size) - (size - 1) / 2
    bell = np.exp(-(offsets**2) / (2.0 * sigma**2))
    bell /= bell.sum()
    return np.outer(bell, bell)


def sharpen() -> np.ndarray:
    """Centre minus its four neighbours, plus the centre again: boosts local contrast.

    ``[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]`` is the identity minus the Laplacian
    (see :func:`laplacian`): it adds back the part of the image that differs from
    its neighbours, so edges and texture stand out. Sums to 1.
    """
    return np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])


def sobel_x() -> np.ndarray:
    """Horizontal derivative, smoothed vertically: detects **vertical** edges.

    ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]``: right column minus left column, with
    the middle row weighted twice. Positive where the image gets brighter from left
    to right, negative where it gets darker, 0 on flat regions. Sums to 0.
    """
    return np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def sobel_y() -> np.ndarray:
    """Vertical derivative, smoothed horizontally: detects **horizontal** edges.

    The transpose of :func:`sobel_x`, ``[[-1, -2, -1], [0, 0, 0], [1, 2, 1]]``:
    positive where the image gets brighter from top to bottom. Sums to 0.
    """
    return sobel_x().T.copy()


def laplacian() -> np.ndarray:
    """Discrete second derivative ``d2/dx2 + d2/dy2``: detects edges in every direction.

    ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]`` is the sum of the one-dimensional second
    difference ``[1, -2, 1]`` along each axis. It is 0 on flat regions and on linear
    ramps, and largest in magnitude at thin lines, corners and on both sides of an
    edge (where the sign changes). Symmetric; sums to 0.
    """
    return np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def emboss() -> np.ndarray:
    """A diagonal derivative plus the image: a relief lit from the top left.

    ``[[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]``: bottom-right minus top-left, plus the
    centre pixel. Edges facing one diagonal brighten and the opposite ones darken,
    so the picture looks raised. Sums to 1.
    """
    return np.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])


def difference_x() -> np.ndarray:
    """``[[1, -1]]``: a pixel minus its right neighbour; detects **vertical** edges.

    The smallest edge detector there is (d2l's first example): under
    cross-correlation ``Y[i, j] = X[i, j] - X[i, j + 1]``, so it is +1 where the
    image steps down from 1 to 0 going right, -1 where it steps up, and 0 elsewhere,
    including along horizontal edges, which it cannot see. Shape ``(1, 2)``; sums to 0.
    """
    return np.array([[1.0, -1.0]])


_REGISTRY: dict[str, Callable[[], np.ndarray]] = {
    "identity": identity,
    "box_blur": box_blur,
    "gaussian_blur": gaussian_blur,
    "sharpen": sharpen,
    "sobel_x": sobel_x,
    "sobel_y": sobel_y,
    "laplacian": laplacian,
    "emboss": emboss,
    "difference_x": difference_x,
}


def names() -> tuple[str, ...]:
    """The names :func:`get` accepts, in a fixed teaching order."""
    return tuple(_REGISTRY)


def get(name: str) -> np.ndarray:
    """Return a fresh copy of the classic kernel called ``name`` (default parameters).

    Parameters
    ----------
    name : str
        One of :func:`names`: ``identity``, ``box_blur`` (3x3), ``gaussian_blur``
        (5x5, sigma 1), ``sharpen``, ``sobel_x``, ``sobel_y``, ``laplacian``,
        ``emboss``, ``difference_x``. Call the functions themselves for other sizes.

    Returns
    -------
    numpy.ndarray, shape (kh, kw), float64
        A new array each call; changing it does not change later results.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``name`` is unknown; the message lists the valid names.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name not in _REGISTRY:
        raise ValueError(
            f"name must be one of {', '.join(_REGISTRY)}; got {name!r}"
        )
    return _REGISTRY[name]()
