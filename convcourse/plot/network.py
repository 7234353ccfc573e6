"""A network learning (chapter 6): its learning curves and what it confuses.

The digits, filters and feature maps of chapter 6 are images and are drawn with
:func:`convcourse.plot.plot_images`; this module draws what is not an image:

* :func:`plot_learning_curves`: the loss of every training step with its running mean,
  beside the accuracy measured after every epoch;
* :func:`plot_confusion_matrix`: the counts of
  :func:`convcourse.training.confusion_matrix`, true class against predicted class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..validation import check_array, check_int
from .style import WINDOW_COLORS, axes_for, figure_of

__all__ = ["plot_confusion_matrix", "plot_learning_curves"]


def _check_series(value: object, name: str) -> np.ndarray:
    """A non-empty 1-D sequence of finite numbers, as a float array."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of numbers, got {value!r}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers, got {array[~np.isfinite(array)][0]}")
    return array


def plot_learning_curves(
    losses: Sequence[float],
    accuracies: Mapping[str, Sequence[float]],
    smooth: int = 20,
) -> Figure:
    """The training loss step by step, and accuracies epoch by epoch, side by side.

    Parameters
    ----------
    losses : sequence of float
        The loss of every training step, as :func:`convcourse.training.fit` returns
        them; the same number of steps in every epoch.
    accuracies : mapping of str to sequence of float
        One curve per data set (``{"training": [...], "test": [...]}``), each with one
        accuracy from 0 to 1 per epoch, measured after it.
    smooth : int, default 20
        The running mean of the loss is over this many steps (the loss of one
        minibatch is noisy).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the loss against the epoch (each step a light dot, gid ``"loss"``;
        the running mean a line, gid ``"running-loss"``; log scale), and the accuracy
        in percent against the epoch (one line with markers per data set, gid
        ``"accuracy-<name>"``, labelled with its name).

    Raises
    ------
    TypeError, ValueError
        For losses that are not a non-empty sequence of finite numbers, accuracies
        that are not a non-empty mapping of equally long curves within ``[0, 1]``, a
        number of steps that is not a whole number of epochs, or a bad ``smooth``;
        the message names the argument.

    Examples
    --------
    >>> fig = plot_learning_curves([2.0, 1.0, 0.8, 0.5], {"test": [0.6, 0.9]}, smooth=2)
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['epoch', 'epoch']
    >>> fig.axes[1].get_lines()[0].get_ydata().tolist()
    [60.0, 90.0]
    >>> plt.close(fig)
    """
    loss = _check_series(losses, "losses")
    if not isinstance(accuracies, Mapping):
        raise TypeError(
            f"accuracies must be a mapping name -> accuracy per epoch, "
            f"got {type(accuracies).__name__}"
        )
    if not accuracies:
        raise ValueError("accuracies must hold at least one curve, got an empty mapping")
    curves = {str(name): _check_series(curve, f"accuracies[{name!r}]")
              for name, curve in accuracies.items()}
    epochs = {len(curve) for curve in curves.values()}
    if len(epochs) != 1:
        raise ValueError(f"accuracies must have one value per epoch for every curve, "
                         f"got lengths {sorted(epochs)}")
    (epochs,) = epochs
    for name, curve in curves.items():
        if curve.min() < 0 or curve.max() > 1:
            raise ValueError(f"accuracies[{name!r}] must lie between 0 and 1, "
                             f"got values from {curve.min()} to {curve.max()}")
    if loss.size % epochs:
        raise ValueError(f"losses must hold the same number of steps for each of the "
                         f"{epochs} epochs, got {loss.size} steps")
    smooth = check_int(smooth, "smooth")
    steps_per_epoch = loss.size // epochs

    fig, (ax_loss, ax_accuracy) = plt.subplots(1, 2, figsize=(10, 3.6))
    when = np.arange(1, loss.size + 1) / steps_per_epoch  # in epochs
    ax_loss.plot(when, loss, ".", markersize=2, alpha=0.3, color=WINDOW_COLORS[0],
                 gid="loss", label="one minibatch")
    window = min(smooth, loss.size)
    running = np.convolve(loss, np.ones(window) / window, mode="valid")
    ax_loss.plot(when[window - 1:], running, color=WINDOW_COLORS[1], linewidth=2,
                 gid="running-loss", label=f"mean of {window} steps")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy loss (log scale)")
    ax_loss.set_title("training loss")
    ax_loss.legend()

    epoch_numbers = np.arange(1, epochs + 1)
    for k, (name, curve) in enumerate(curves.items()):
        ax_accuracy.plot(epoch_numbers, 100 * curve, marker="o",
                         color=WINDOW_COLORS[(k + 2) % len(WINDOW_COLORS)],
                         gid=f"accuracy-{name}", label=name)
    ax_accuracy.set_xlabel("epoch")
    ax_accuracy.set_ylabel("accuracy (%)")
    ax_accuracy.set_title("accuracy after each epoch")
    ax_accuracy.set_xticks(epoch_numbers)
    ax_accuracy.grid(alpha=0.3)
    ax_accuracy.legend()
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    counts: np.ndarray,
    class_names: Sequence[str] | None = None,
    ax: object = None,
) -> Figure:
    """A confusion matrix as a grid of counts: true class down, predicted class across.

    Parameters
    ----------
    counts : numpy.ndarray of ints, shape (K, K)
        ``counts[t, p]`` examples of class ``t`` were predicted as ``p``
        (:func:`convcourse.training.confusion_matrix`).
    class_names : sequence of str, optional
        One per class, for the ticks; the default is ``0`` to ``K - 1``.
    ax : matplotlib.axes.Axes, optional
        Draw into this panel; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the panel. Every non-zero count is written in its cell (gid
        ``"count"``); the
        cells of the diagonal (right answers) are shaded by count, and the wrong
        answers are outlined in red (gid ``"mistake"``, one rectangle each).

    Raises
    ------
    TypeError, ValueError
        For counts that are not a square 2-D array of non-negative integers, or
        class names that are not one per class; the message names the argument.

    Examples
    --------
    >>> fig = plot_confusion_matrix(np.array([[5, 1], [0, 4]]), ["cat", "dog"])
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['cat', 'dog']
    >>> len(fig.findobj(lambda artist: artist.get_gid() == "mistake"))
    1
    >>> plt.close(fig)
    """
    check_array(counts, "counts", 2, "(classes, classes)")
    if counts.dtype.kind not in "iu":
        raise TypeError(f"counts must hold integer counts, got dtype {counts.dtype}")
    classes = counts.shape[0]
    if counts.shape != (classes, classes):
        raise ValueError(f"counts must be square (classes, classes), got shape {counts.shape}")
    if counts.min() < 0:
        raise ValueError(f"counts must not be negative, got {counts.min()}")
    if class_names is None:
        names = [str(k) for k in range(classes)]
    elif isinstance(class_names, str) or not isinstance(class_names, Sequence):
        raise TypeError(f"class_names must be a sequence of str, got {type(class_names).__name__}")
    elif len(class_names) != classes:
        raise ValueError(f"class_names must have one entry per class ({classes}), "
                         f"got {len(class_names)}")
    else:
        names = [str(name) for name in class_names]
    ax = axes_for(ax, (0.45 * classes + 1.5, 0.45 * classes + 1.2))

    shade = np.where(np.eye(classes, dtype=bool), counts, 0)
    top = max(int(shade.max()), 1)
    ax.imshow(shade, cmap="Blues", vmin=0, vmax=1.6 * top)  # never too dark for black text
    for t, p in zip(*np.nonzero(counts), strict=True):
        ax.text(p, t, str(counts[t, p]), ha="center", va="center", fontsize=9,
                gid="count")
        if t != p:
            ax.add_patch(plt.Rectangle((p - 0.5, t - 0.5), 1, 1, fill=False,
                                       edgecolor="#d62728", linewidth=2, gid="mistake"))
    ax.set_xticks(range(classes), names)
    ax.set_yticks(range(classes), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(f"{int(counts.sum())} examples, {int(counts.sum() - np.trace(counts))} wrong")
    return figure_of(ax)
