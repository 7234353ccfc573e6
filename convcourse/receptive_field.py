"""The receptive field of a stack of layers: which input pixels one output can see.

An output pixel of a convolution sees a ``kh x kw`` window of its input; a pixel two
layers up sees a window of windows, and so on. Along one axis the field is
described by three numbers, carried from layer to layer (Dumoulin & Visin, 2016;
Araujo et al., 2019, "Computing receptive fields of convolutional neural networks"):

* ``size``: how many input pixels the field spans;
* ``jump``: how far apart in the input two neighbouring outputs' fields start;
* ``start``: where the field of output 0 starts, in input coordinates (negative when
  it reaches into the padding).

Before any layer, each "output" is an input pixel: ``size = 1``, ``jump = 1``,
``start = 0``. A layer with kernel ``k``, stride ``s``, padding ``p`` (before) and
dilation ``d`` reaches over ``r = d (k - 1) + 1`` of its inputs, so

.. math::

    \\text{size}' = \\text{size} + (r - 1)\\,\\text{jump}, \\qquad
    \\text{start}' = \\text{start} - p\\,\\text{jump}, \\qquad
    \\text{jump}' = \\text{jump}\\, s ,

and output ``i`` of the last layer sees input pixels ``start + i jump`` to
``start + i jump + size - 1`` (those that exist). Element-wise layers (ReLU) change
nothing. With dilation the field has holes; ``size`` is its extent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .geometry import dilated_size, resolve_padding
from .layers import AvgPool2d, Conv2d, Layer, MaxPool2d, ReLU
from .network import Sequential
from .validation import check_int, check_pair

__all__ = ["ReceptiveField", "receptive_field"]


@dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of a stack's outputs, one ``(h, w)`` pair per quantity.

    Attributes
    ----------
    size : (int, int)
        Input rows and columns one output pixel's field spans.
    jump : (int, int)
        Input pixels between the fields of neighbouring output pixels.
    start : (int, int)
        Input row and column where the field of output ``(0, 0)`` starts (negative:
        in the padding).
    """

    size: tuple[int, int]
    jump: tuple[int, int]
    start: tuple[int, int]

    def region(self, i: int, j: int, height: int, width: int) -> tuple[slice, slice]:
        """The input rows and columns output ``(i, j)`` sees, cut to an input of
        ``height x width`` (the padding is not input)."""
        i = check_int(i, "i", minimum=0)
        j = check_int(j, "j", minimum=0)
        height = check_int(height, "height")
        width = check_int(width, "width")
        top = self.start[0] + i * self.jump[0]
        left = self.start[1] + j * self.jump[1]
        return (slice(max(top, 0), max(0, min(top + self.size[0], height))),
                slice(max(left, 0), max(0, min(left + self.size[1], width))))


def _window(layer: Layer) -> tuple[tuple[int, int], ...] | None:
    """``(kernel, stride, (top, left) padding, dilation)`` of a layer; ``None`` for a
    layer that works pixel by pixel."""
    if isinstance(layer, Conv2d):
        pads = resolve_padding(layer.padding, layer.kernel_size, layer.stride, layer.dilation)
        return (layer.kernel_size, check_pair(layer.stride, "stride"), (pads[0], pads[2]),
                check_pair(layer.dilation, "dilation"))
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        return (layer.kernel_size, layer.stride, layer.padding, (1, 1))
    if isinstance(layer, ReLU):
        return None
    raise TypeError(
        f"layers must be Conv2d, MaxPool2d, AvgPool2d or ReLU (layers that keep a spatial "
        f"layout), got {type(layer).__name__}; a Linear or Flatten layer sees the whole input"
    )


def receptive_field(layers: Sequential | Iterable[Layer]) -> ReceptiveField:
    """The receptive field of the outputs of ``layers``, applied in order.

    Parameters
    ----------
    layers : Sequential or iterable of layers
        ``Conv2d``, ``MaxPool2d``, ``AvgPool2d`` and ``ReLU`` layers.

    Returns
    -------
    ReceptiveField
        ``size``, ``jump`` and ``start`` per axis (see the module docstring).

    Raises
    ------
    TypeError
        For a layer that does not keep a spatial layout (``Linear``, ``Flatten``).

    Examples
    --------
    Two 3x3 convolutions see as far as one 5x5 (with 18 weights per channel pair
    instead of 25):

    >>> receptive_field([Conv2d(1, 1, 3, rng=0), ReLU(), Conv2d(1, 1, 3, rng=0)]).size
    (5, 5)
    >>> lenet = [Conv2d(1, 8, 3, padding=1, rng=0), ReLU(), MaxPool2d(2),
    ...          Conv2d(8, 16, 3, padding=1, rng=0), ReLU(), MaxPool2d(2)]
    >>> receptive_field(lenet)
    ReceptiveField(size=(10, 10), jump=(4, 4), start=(-3, -3))
    """
    size, jump, start = [1, 1], [1, 1], [0, 0]
    for layer in layers:
        window = _window(layer)
        if window is None:
            continue
        for axis, (k, s, p, d) in enumerate(zip(*window, strict=True)):
            size[axis] += (dilated_size(k, d) - 1) * jump[axis]
            start[axis] -= p * jump[axis]
            jump[axis] *= s
    return ReceptiveField(tuple(size), tuple(jump), tuple(start))
