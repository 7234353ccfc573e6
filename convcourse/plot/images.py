"""Images, kernels and kernels beside what they find (chapter 3)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..validation import check_array, check_bool, check_int, check_number
from .style import (
    SIGNED_CMAP,
    SIGNED_PERCENTILE,
    axes_for,
    check_labels,
    check_sequence,
    figure_of,
    label_cells,
)

__all__ = ["plot_images", "plot_kernel", "plot_kernel_gallery"]

_IMAGE_LAYOUT = "(H, W) or (H, W, 3)"


def _check_image(image: object, name: str) -> np.ndarray:
    """An image is a non-empty real array ``(H, W)`` or an RGB array ``(H, W, 3)``."""
    ndim = 3 if isinstance(image, np.ndarray) and image.ndim == 3 else 2
    check_array(image, name, ndim, _IMAGE_LAYOUT)
    if ndim == 3 and image.shape[2] != 3:
        raise ValueError(f"{name} must have shape {_IMAGE_LAYOUT}, got shape {image.shape}")
    return image


def _signed_limit(image: np.ndarray) -> float:
    """Symmetric colour limit for a signed image: a high percentile of ``|image|``."""
    magnitude = np.abs(image)
    limit = float(np.percentile(magnitude, SIGNED_PERCENTILE))
    return limit or float(magnitude.max()) or 1.0


def _draw_image(ax: Axes, image: np.ndarray, title: str, cmap: str | None,
                limits: tuple[float, float] | None = None) -> None:
    """Gray for non-negative images, a diverging map centred on 0 for signed ones.

    An image with negative values, or one that is exactly 0 everywhere (a feature map
    that found nothing), is signed: 0 is drawn white. ``limits`` (vmin, vmax), when
    given, is the colour scale, shared with other images.
    """
    if image.ndim == 3:
        ax.imshow(np.clip(image, 0, 1) if image.dtype.kind == "f" else image)
    elif limits is not None:
        signed = limits[0] < 0
        ax.imshow(image, cmap=cmap or (SIGNED_CMAP if signed else "gray"),
                  vmin=limits[0], vmax=limits[1])
    elif cmap is not None:
        ax.imshow(image, cmap=cmap)
    elif image.min() < 0 or not image.any():
        limit = _signed_limit(image)
        ax.imshow(image, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    else:
        ax.imshow(image, cmap="gray")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def _draw_kernel(ax: Axes, kernel: np.ndarray, title: str | None, annotate: bool) -> None:
    """Draw a checked kernel on ``ax`` (see :func:`plot_kernel`)."""
    limit = float(np.abs(kernel).max()) or 1.0
    ax.imshow(kernel, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit)
    if annotate and max(kernel.shape) <= 3:
        label_cells(ax, kernel, ".2g",
                    color_of=lambda weight: "white" if abs(weight) > 0.6 * limit else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)


def plot_kernel(
    kernel: np.ndarray,
    ax: Axes | None = None,
    title: str | None = None,
    annotate: bool = True,
) -> Figure:
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
    matplotlib.figure.Figure
        The figure drawn on (``ax``'s if given); the kernel is its axes' only image,
        the weights its texts.

    Raises
    ------
    TypeError, ValueError
        If ``kernel`` is not a non-empty real 2-D array, ``ax`` is not an Axes, or
        ``annotate`` is not a bool.

    Examples
    --------
    >>> fig = plot_kernel(np.eye(3), title="identity-ish")
    >>> len(fig.axes), len(fig.axes[0].texts)
    (1, 9)
    >>> plt.close(fig)
    """
    check_array(kernel, "kernel", 2, "(kh, kw)")
    annotate = check_bool(annotate, "annotate")
    ax = axes_for(ax, (0.5 * kernel.shape[1] + 1, 0.5 * kernel.shape[0] + 1))
    _draw_kernel(ax, kernel, title, annotate)
    return figure_of(ax)


def plot_images(
    images: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    size: float = 2.5,
    cmap: str | None = None,
    shared_scale: bool = False,
) -> Figure:
    """Show images side by side in a grid, each with its title.

    A 2-D image with no negative values is drawn in gray; one with negative values
    (an edge map, say) or all zeros in :data:`SIGNED_CMAP` with limits symmetric
    about 0, saturating at the :data:`SIGNED_PERCENTILE` percentile of its
    magnitudes; an ``(H, W, 3)`` image as RGB (floats clipped to ``[0, 1]``).

    Parameters
    ----------
    images : list or tuple of numpy.ndarray, each (H, W) or (H, W, 3)
        What to show; sizes may differ.
    titles : sequence of str, optional
        One per image.
    ncols : int, default 4
        Images per row (fewer if there are fewer images).
    size : float, default 2.5
        Width and height of each panel, in inches.
    cmap : str, optional
        Force one colour map for every 2-D image.
    shared_scale : bool, default False
        Draw every 2-D image on one colour scale, with one colour bar for the figure,
        so that equal values have equal colours in every panel (kernels or feature
        maps to compare). The scale runs from 0 to the largest value if no image is
        negative, otherwise from ``-m`` to ``m``, ``m`` the largest magnitude.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes`` holds one axes per image, in reading order (the unused cells of
        the last row are removed).

    Raises
    ------
    TypeError, ValueError
        For an empty or non-sequence ``images``, an entry that is not a real
        ``(H, W)`` or ``(H, W, 3)`` array, titles that do not match the images, or a
        bad ``ncols`` or ``size``; the message names the argument.

    Examples
    --------
    >>> fig = plot_images([np.eye(3), -np.eye(3)], ["I", "-I"])
    >>> [ax.get_title() for ax in fig.axes]
    ['I', '-I']
    >>> plt.close(fig)
    >>> fig = plot_images([np.eye(3), -2 * np.eye(3)], ["I", "-2I"], shared_scale=True)
    >>> [ax.images[0].get_clim() for ax in fig.axes[:2]], fig.axes[2].get_label()
    ([(-2.0, 2.0), (-2.0, 2.0)], '<colorbar>')
    >>> plt.close(fig)
    """
    checked = [
        _check_image(image, f"images[{k}]")
        for k, image in enumerate(check_sequence(images, "images", "arrays"))
    ]
    labels = check_labels(titles, len(checked), "titles", "image")
    ncols = min(check_int(ncols, "ncols"), len(checked))
    size = check_number(size, "size", positive=True)
    shared_scale = check_bool(shared_scale, "shared_scale")
    limits = None
    if shared_scale:
        flat = [image for image in checked if image.ndim == 2]
        low = min(float(image.min()) for image in flat) if flat else 0.0
        high = max(float(np.abs(image).max()) for image in flat) if flat else 1.0
        limits = (-high, high) if low < 0 else (0.0, high or 1.0)
    nrows = -(-len(checked) // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    axes = grid.ravel()
    for ax, image, label in zip(axes, checked, labels, strict=False):
        _draw_image(ax, image, label, cmap, limits)
    for ax in axes[len(checked):]:
        fig.delaxes(ax)
    fig.tight_layout()
    if limits is not None:
        shown = [ax for ax in axes[:len(checked)] if ax.images]
        fig.colorbar(shown[0].images[0], ax=shown, shrink=0.9, pad=0.02)
    return fig


def plot_kernel_gallery(
    kernels: Sequence[np.ndarray],
    maps: Sequence[np.ndarray],
    titles: Sequence[str],
    ncols: int = 2,
    size: float = 3.0,
) -> Figure:
    """Show each kernel beside the feature map it produces, in a grid of pairs.

    Parameters
    ----------
    kernels : list or tuple of numpy.ndarray, each (kh, kw)
        The kernels, drawn as by :func:`plot_kernel`.
    maps : list or tuple of numpy.ndarray, each (H, W) or (H, W, 3)
        ``maps[k]`` is the image seen through ``kernels[k]``; drawn as by
        :func:`plot_images`.
    titles : sequence of str
        One name per pair, written above the kernel.
    ncols : int, default 2
        Pairs per row.
    size : float, default 3.0
        Height of a row and width of a feature map, in inches (a kernel panel is
        40% as wide).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes`` alternates kernel and map: ``fig.axes[2 * k]`` is kernel ``k``,
        ``fig.axes[2 * k + 1]`` its map.

    Raises
    ------
    TypeError, ValueError
        For empty or non-sequence ``kernels`` or ``maps``, a kernel that is not a
        real 2-D array, a map that is not an image, counts that do not match, or a
        bad ``ncols`` or ``size``; the message names the argument.

    Examples
    --------
    >>> fig = plot_kernel_gallery([np.eye(2)], [np.ones((4, 4))], ["diagonal"])
    >>> len(fig.axes), fig.axes[0].get_title()
    (2, 'diagonal')
    >>> plt.close(fig)
    """
    checked_kernels = [
        check_array(kernel, f"kernels[{k}]", 2, "(kh, kw)")
        for k, kernel in enumerate(check_sequence(kernels, "kernels", "arrays"))
    ]
    checked_maps = [
        _check_image(image, f"maps[{k}]")
        for k, image in enumerate(check_sequence(maps, "maps", "arrays"))
    ]
    count = len(checked_kernels)
    if len(checked_maps) != count:
        raise ValueError(f"maps must have one entry per kernel ({count}), got {len(maps)}")
    labels = check_labels(titles, count, "titles", "kernel")
    ncols = min(check_int(ncols, "ncols"), count)
    size = check_number(size, "size", positive=True)
    nrows = -(-count // ncols)
    fig = plt.figure(figsize=(1.4 * size * ncols, size * nrows))
    spec = fig.add_gridspec(nrows, 2 * ncols, width_ratios=[0.4, 1.0] * ncols)
    for k, (kernel, image, label) in enumerate(
        zip(checked_kernels, checked_maps, labels, strict=True)
    ):
        row, col = divmod(k, ncols)
        _draw_kernel(fig.add_subplot(spec[row, 2 * col]), kernel, label, annotate=True)
        _draw_image(fig.add_subplot(spec[row, 2 * col + 1]), image, "", None)
    fig.tight_layout()
    return fig
