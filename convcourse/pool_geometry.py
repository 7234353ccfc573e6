"""The geometry of a 2-D pooling: a window (never dilated) and channels, each channel
pooled on its own.

==============================  ============================================
question                        answer
==============================  ============================================
is the pooling window valid?    :func:`check_pool_window` (torch's rules:
                                ``stride`` defaults to the kernel, padding at
                                most half the kernel)
everything about one pooling    :class:`PoolGeometry` (the window and
                                channels): :meth:`PoolGeometry.from_shapes`,
                                or from the array of a call:
                                :func:`check_pool2d`
==============================  ============================================

Pooling does not pose as a depthwise convolution: options that only pooling has
(torch's ``ceil_mode``, say) belong here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .validation import check_array, check_pair, check_shape
from .window import Window

__all__ = ["PoolGeometry", "check_pool2d", "check_pool_window"]


@dataclass(frozen=True)
class PoolGeometry(Window):
    """Every size of one 2-D pooling: its :class:`~convcourse.window.Window` (never
    dilated) and the batch and channels, each channel pooled on its own.

    Options that only pooling has (torch's ``ceil_mode``, say) belong here.

    Attributes
    ----------
    height, width, kernel_h, kernel_w, stride, dilation, padding, out_height, out_width
        The window's (:class:`~convcourse.window.Window`); ``dilation`` is ``(1, 1)``.
    batch, channels : int
        ``N`` and ``C`` of the input ``(N, C, H, W)``.

    Examples
    --------
    >>> PoolGeometry.from_shapes((2, 8, 8, 8), 2).output_shape
    (2, 8, 4, 4)
    >>> PoolGeometry.from_shapes((1, 1, 7, 5), (3, 2), stride=(2, 1), padding=1).output_shape
    (1, 1, 4, 6)
    """

    batch: int
    channels: int

    @classmethod
    def from_shapes(
        cls,
        input_shape: tuple[int, int, int, int],
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> PoolGeometry:
        """Validate a pooling given by its input's shape and work out its geometry.

        The output size is the convolution's without dilation,
        ``floor((H + 2p - kh) / s_h) + 1`` (and the same for ``W``).

        Parameters
        ----------
        input_shape : (int, int, int, int)
            ``(N, C, H, W)``.
        kernel_size, stride, padding
            As in :func:`check_pool_window`.

        Returns
        -------
        PoolGeometry
        """
        kernel, strides, pads = check_pool_window(kernel_size, stride, padding)
        batch, channels, height, width = check_shape(input_shape, "input_shape", "(N, C, H, W)")
        window = Window.build((height, width), kernel, strides, pads)
        return cls(**window.fields(), batch=batch, channels=channels)

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        """``(N, C, H, W)``."""
        return (self.batch, self.channels, self.height, self.width)

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        """``(N, C, H_out, W_out)``."""
        return (self.batch, self.channels, self.out_height, self.out_width)


def check_pool_window(
    kernel_size: object, stride: object = None, padding: object = 0
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Validate the window of a pooling layer, as ``torch.nn.functional.max_pool2d`` does.

    ``stride`` defaults to ``kernel_size`` (windows side by side, not overlapping),
    and ``padding`` may be at most half the kernel on each axis (``p <= k // 2``,
    torch's rule): then every window holds at least one real input number.

    Parameters
    ----------
    kernel_size : int or (int, int)
        ``(kh, kw)``, at least 1.
    stride : int, (int, int) or None, default None
        At least 1; ``None`` means ``kernel_size``.
    padding : int or (int, int), default 0
        Added on each side, from 0 to ``kernel_size // 2``.

    Returns
    -------
    kernel, stride, padding : tuple of (int, int)

    Examples
    --------
    >>> check_pool_window(2)
    ((2, 2), (2, 2), (0, 0))
    >>> check_pool_window((3, 2), stride=1, padding=(1, 1))
    ((3, 2), (1, 1), (1, 1))
    >>> check_pool_window(3, padding=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: padding must be at most half of kernel_size ... got padding=2 with kernel_size=3
    """
    kernel = check_pair(kernel_size, "kernel_size", minimum=1)
    strides = kernel if stride is None else check_pair(stride, "stride", minimum=1)
    pads = check_pair(padding, "padding", minimum=0)
    half = (kernel[0] // 2, kernel[1] // 2)
    if pads[0] > half[0] or pads[1] > half[1]:
        raise ValueError(
            f"padding must be at most half of kernel_size on each axis "
            f"(kernel_size // 2 = {half}), got padding={padding!r} with "
            f"kernel_size={kernel_size!r}"
        )
    return kernel, strides, pads


def check_pool2d(
    x: object,
    kernel_size: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> PoolGeometry:
    """Validate the arguments of a 2-D pooling and work out its geometry.

    Every pooling in the course (max and average, loops and vectorised, forward and
    backward) starts with this call; see :meth:`PoolGeometry.from_shapes`.

    Raises
    ------
    TypeError
        For a non-array ``x`` or a hyper-parameter of the wrong type.
    ValueError
        For a wrong shape, a hyper-parameter out of range, ``padding`` above half the
        kernel, or a window that does not fit in the padded input.

    Examples
    --------
    >>> import numpy as np
    >>> check_pool2d(np.zeros((1, 3, 6, 6)), 3, stride=1, padding=1).output_shape
    (1, 3, 6, 6)
    """
    x = check_array(x, "x", 4, "(N, C, H, W)")
    return PoolGeometry.from_shapes(x.shape, kernel_size, stride, padding)
