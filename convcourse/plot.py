"""Figure helpers shared by the chapters, so each chapter's figure code stays short.

Every helper draws with matplotlib's pyplot and returns the figure and its axes
without calling ``plt.show()``; in a notebook the figure appears at the end of the
cell (end the cell with ``plt.show()`` or ``;``). Each chapter adds its helpers in a
section of its own below.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .shapes import _is_int

# ---------------------------------------------------------------------------------------
# images and kernels (chapter 3)
# ---------------------------------------------------------------------------------------

#: Colour map for signed data (kernels, edge maps): blue negative, white 0, red positive.
SIGNED_CMAP = "RdBu_r"


def _check_image(image: object, name: str) -> np.ndarray:
    """An image is a real 2-D array (H, W) or an RGB array (H, W, 3)."""
    if not isinstance(image, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy.ndarray (H, W) or (H, W, 3), got {type(image).__name__}"
        )
    if image.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {image.dtype}")
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)) or image.size == 0:
        raise ValueError(f"{name} must have shape (H, W) or (H, W, 3), got shape {image.shape}")
    return image


def _check_titles(titles: object, count: int, name: str = "titles") -> list[str]:
    if titles is None:
        return [""] * count
    if isinstance(titles, str) or not isinstance(titles, Sequence):
        raise TypeError(f"{name} must be a sequence of str, got {type(titles).__name__}")
    if len(titles) != count:
        raise ValueError(f"{name} must have one entry per image ({count}), got {len(titles)}")
    return [str(title) for title in titles]


def _check_positive_int(value: object, name: str) -> int:
    if not _is_int(value):
        raise TypeError(f"{name} must be a positive int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def _draw_image(ax: Axes, image: np.ndarray, title: str, cmap: str | None) -> None:
    """Gray for non-negative images, a diverging map centred on 0 for signed ones."""
    if image.ndim == 3:
        ax.imshow(np.clip(image, 0, 1) if image.dtype.kind == "f" else image)
    elif cmap is not None:
        ax.imshow(image, cmap=cmap)
    elif image.min() < 0:
        limit = float(np.abs(image).max()) or 1.0
        ax.imshow(image, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    else:
        ax.imshow(image, cmap="gray")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def show_kernel(
    kernel: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
    annotate: bool = True,
) -> Axes:
    """Draw a kernel as a grid of coloured cells, each labelled with its weight.

    Colours are centred on 0 (:data:`SIGNED_CMAP`: red positive, blue negative,
    white 0), so the sign pattern that makes a kernel detect something is visible
    at a glance.

    Parameters
    ----------
    kernel : numpy.ndarray, shape (kh, kw)
        The weights.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made if omitted.
    title : str, optional
        Written above the kernel.
    annotate : bool, default True
        Write each weight in its cell (skipped for kernels wider or taller than 3,
        whose numbers would not fit; their colours still show the weights).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(kernel, np.ndarray):
        raise TypeError(f"kernel must be a numpy.ndarray (kh, kw), got {type(kernel).__name__}")
    if kernel.ndim != 2 or kernel.size == 0 or kernel.dtype.kind not in "biuf":
        raise ValueError(
            f"kernel must be a non-empty 2-D real array (kh, kw), got shape {kernel.shape} "
            f"and dtype {kernel.dtype}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(0.5 * kernel.shape[1] + 1, 0.5 * kernel.shape[0] + 1))
    limit = float(np.abs(kernel).max()) or 1.0
    ax.imshow(kernel, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    if annotate and max(kernel.shape) <= 3:
        for (u, v), weight in np.ndenumerate(kernel):
            colour = "white" if abs(weight) > 0.6 * limit else "black"
            ax.text(v, u, f"{weight:.2g}", ha="center", va="center",
                    fontsize=9, color=colour)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def show_images(
    images: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    size: float = 2.5,
    cmap: str | None = None,
) -> tuple[Figure, np.ndarray]:
    """Show images side by side in a grid, each with its title.

    A 2-D image with no negative values is drawn in gray; one with negative values
    (an edge map, say) in :data:`SIGNED_CMAP` with limits symmetric about 0; an
    ``(H, W, 3)`` image as RGB (floats clipped to ``[0, 1]``).

    Parameters
    ----------
    images : sequence of numpy.ndarray, each (H, W) or (H, W, 3)
        What to show; sizes may differ.
    titles : sequence of str, optional
        One per image.
    ncols : int, default 4
        Images per row (fewer if there are fewer images).
    size : float, default 2.5
        Width and height of each panel, in inches.
    cmap : str, optional
        Force one colour map for every 2-D image.

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        The axes, one per image, in reading order (unused grid cells are removed).
    """
    if isinstance(images, np.ndarray) or not isinstance(images, Sequence) or not images:
        raise TypeError(
            "images must be a non-empty list or tuple of arrays, got "
            f"{type(images).__name__}{' of length 0' if isinstance(images, Sequence) else ''}"
        )
    checked = [_check_image(image, f"images[{k}]") for k, image in enumerate(images)]
    labels = _check_titles(titles, len(checked))
    ncols = min(_check_positive_int(ncols, "ncols"), len(checked))
    if not isinstance(size, (int, float)) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"size must be a positive number of inches, got {size!r}")
    nrows = -(-len(checked) // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    axes = grid.ravel()
    for ax, image, label in zip(axes, checked, labels, strict=False):
        _draw_image(ax, image, label, cmap)
    for ax in axes[len(checked):]:
        fig.delaxes(ax)
    fig.tight_layout()
    return fig, axes[: len(checked)]


def show_kernel_gallery(
    kernels: Sequence[np.ndarray],
    maps: Sequence[np.ndarray],
    titles: Sequence[str],
    ncols: int = 2,
    size: float = 3.0,
) -> tuple[Figure, np.ndarray]:
    """Show each kernel beside the feature map it produces, in a grid of pairs.

    Parameters
    ----------
    kernels : sequence of numpy.ndarray, each (kh, kw)
        The kernels, drawn with :func:`show_kernel`.
    maps : sequence of numpy.ndarray, each (H, W)
        ``maps[k]`` is the image seen through ``kernels[k]``; drawn as in
        :func:`show_images`.
    titles : sequence of str
        One name per pair, written above the kernel.
    ncols : int, default 2
        Pairs per row.
    size : float, default 3.0
        Height of a row and width of a feature map, in inches (a kernel panel is
        40% as wide).

    Returns
    -------
    (matplotlib.figure.Figure, numpy.ndarray of Axes)
        Axes of shape ``(len(kernels), 2)``: row ``k`` holds the kernel's axes and
        its map's axes.
    """
    for name, value in [("kernels", kernels), ("maps", maps)]:
        if isinstance(value, np.ndarray) or not isinstance(value, Sequence) or not value:
            raise TypeError(f"{name} must be a non-empty list or tuple of arrays")
    if len(maps) != len(kernels):
        raise ValueError(
            f"maps must have one entry per kernel ({len(kernels)}), got {len(maps)}"
        )
    labels = _check_titles(titles, len(kernels))
    checked_maps = [_check_image(image, f"maps[{k}]") for k, image in enumerate(maps)]
    ncols = min(_check_positive_int(ncols, "ncols"), len(kernels))
    if not isinstance(size, (int, float)) or isinstance(size, bool) or size <= 0:
        raise ValueError(f"size must be a positive number of inches, got {size!r}")
    nrows = -(-len(kernels) // ncols)
    fig = plt.figure(figsize=(1.4 * size * ncols, size * nrows))
    spec = fig.add_gridspec(nrows, 2 * ncols, width_ratios=[0.4, 1.0] * ncols)
    pairs = []
    for k, (kernel, image, label) in enumerate(zip(kernels, checked_maps, labels, strict=True)):
        row, col = divmod(k, ncols)
        kernel_ax = fig.add_subplot(spec[row, 2 * col])
        map_ax = fig.add_subplot(spec[row, 2 * col + 1])
        show_kernel(kernel, ax=kernel_ax, title=label)
        _draw_image(map_ax, image, "", None)
        pairs.append((kernel_ax, map_ax))
    fig.tight_layout()
    return fig, np.array(pairs, dtype=object)
