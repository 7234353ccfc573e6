"""Figure helpers shared by the chapters, so each chapter's figure code stays short.

Importing this package imports matplotlib; ``import convcourse`` never does. One
module per family of figures:

* :mod:`~convcourse.plot.windows` (chapter 1): :func:`plot_windows`,
  :func:`plot_channel_connections`, and :func:`window_taps`, the cells a window reads;
* :mod:`~convcourse.plot.backward` (chapter 2): :func:`plot_connections_1d`,
  :func:`plot_usage_counts`, :func:`plot_grad_x_steps`;
* :mod:`~convcourse.plot.images` (chapter 3): :func:`plot_images`, :func:`plot_kernel`,
  :func:`plot_kernel_gallery`;
* :mod:`~convcourse.plot.matrices` (chapters 4 and 5): :func:`plot_matrix`, a
  convolution's dense matrix, :func:`plot_grid`, a table of numbers, and
  :func:`plot_im2col` and :func:`plot_col2im`, im2col and col2im as two tables;
* :mod:`~convcourse.plot.network` (chapter 6): :func:`plot_learning_curves` and
  :func:`plot_confusion_matrix` (the digits, filters and feature maps are images:
  :func:`plot_images`);
* :mod:`~convcourse.plot.animations` (chapters 1, 2 and 5): :func:`animate_windows`,
  :func:`animate_backward`, :func:`animate_im2col`, and
  :mod:`~convcourse.plot.pool_animations` (chapter 6): :func:`animate_max_pool_backward`,
  and :mod:`~convcourse.plot.transposed_animations` (chapter 8):
  :func:`animate_conv_transpose`,
  played by one frame driver (:mod:`~convcourse.plot.frames`), each returning a
  :class:`~convcourse.plot.player.Player` (:mod:`~convcourse.plot.player`), a
  self-contained, accessible HTML player of its frames;
* :mod:`~convcourse.plot.depth` (chapter 7): :func:`animate_activations`, the
  distribution of a deep stack's activations layer by layer, as a player;
* :mod:`~convcourse.plot.style`: the colours and building blocks they share.

Conventions, the same for every figure:

* **Names.** Every function that draws is called ``plot_<what>``.
* **Returns.** Every ``plot_*`` returns the :class:`matplotlib.figure.Figure` it drew
  on, and never calls ``plt.show()``: in a notebook the figure appears at the end of
  the cell (end the cell with ``plt.show()``). Every ``animate_*`` returns a
  :class:`~convcourse.plot.player.Player`, which shows as a player when it ends a cell
  (its figure is already closed: nothing else appears).
* **Panels.** A function that draws one panel (:func:`plot_kernel`,
  :func:`plot_matrix`, :func:`plot_grid`, :func:`plot_connections_1d`,
  :func:`plot_confusion_matrix`) takes an
  optional ``ax=`` to draw into a panel of a figure of your own, and then returns
  that figure; without ``ax`` it makes a figure of its own. The others make their
  own figure, with the axes listed under *Returns*.
* **What was drawn.** Artists worth finding again carry a ``gid``, listed in each
  docstring (``"tap-0"``, ``"output-0"``, ``"padding"``, ``"unread"``,
  ``"connection"``, ``"highlight"``, ...). Find them with ``Figure.findobj``:

  >>> import matplotlib.pyplot as plt
  >>> fig = plot_windows(5, 5, kernel_size=2, stride=2, positions=[(0, 0), (1, 1)])
  >>> len(fig.findobj(lambda artist: artist.get_gid() == "tap-1"))
  4
  >>> len(fig.findobj(lambda artist: artist.get_gid() == "unread"))  # last row and column
  9
  >>> plt.close(fig)

* **Arguments** are checked with :mod:`convcourse.validation` and sizes come from
  :mod:`convcourse.geometry`, as everywhere in the package: the wrong kind of value
  raises ``TypeError``, a value out of range ``ValueError``, and the message names
  the argument.
"""

from .animations import animate_backward, animate_im2col, animate_windows
from .backward import plot_connections_1d, plot_grad_x_steps, plot_usage_counts
from .depth import animate_activations
from .images import plot_images, plot_kernel, plot_kernel_gallery
from .matrices import plot_col2im, plot_grid, plot_im2col, plot_matrix
from .network import plot_confusion_matrix, plot_learning_curves
from .player import Player
from .pool_animations import animate_max_pool_backward
from .style import HIGHLIGHT_COLOR, SIGNED_CMAP, SIGNED_PERCENTILE, WINDOW_COLORS
from .transposed_animations import animate_conv_transpose
from .windows import plot_channel_connections, plot_windows, window_taps

__all__ = [
    "HIGHLIGHT_COLOR",
    "Player",
    "SIGNED_CMAP",
    "SIGNED_PERCENTILE",
    "WINDOW_COLORS",
    "animate_activations",
    "animate_backward",
    "animate_conv_transpose",
    "animate_im2col",
    "animate_max_pool_backward",
    "animate_windows",
    "plot_channel_connections",
    "plot_col2im",
    "plot_confusion_matrix",
    "plot_connections_1d",
    "plot_grad_x_steps",
    "plot_grid",
    "plot_im2col",
    "plot_images",
    "plot_kernel",
    "plot_kernel_gallery",
    "plot_learning_curves",
    "plot_matrix",
    "plot_usage_counts",
    "plot_windows",
    "window_taps",
]
