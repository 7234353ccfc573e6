"""Max and average pooling as layers (``torch.nn.MaxPool2d``, ``torch.nn.AvgPool2d``),
re-exported by :mod:`convcourse.layers` with the other layers.

Each follows the layer protocol of :mod:`convcourse.layer_protocol`, checks its window
when it is made (:func:`convcourse.pool_geometry.check_pool_window`) and computes with
the loops of :mod:`convcourse.pooling` or the vectorised :mod:`convcourse.fast_pooling`.
"""

from __future__ import annotations

import numpy as np

from . import fast_pooling, pooling
from .layer_protocol import Functions, InputCache, SwitchableLayer
from .pool_geometry import check_pool_window

__all__ = ["AvgPool2d", "MaxPool2d"]


class _Pool2d(SwitchableLayer):
    """What max and average pooling layers share: the window and the implementation."""

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        implementation: str = "naive",
    ) -> None:
        self.kernel_size, self.stride, self.padding = check_pool_window(
            kernel_size, stride, padding
        )
        self.implementation = implementation

    def _window(self) -> dict:
        return {"kernel_size": self.kernel_size, "stride": self.stride, "padding": self.padding}

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = self.functions.forward(x, **self._window())
        self.cache = InputCache(x.copy(), out.shape)
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x = self._cache_for(grad_out).x
        return self.functions.backward(grad_out, x, **self._window())

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, implementation={self.implementation!r})")


class MaxPool2d(_Pool2d):
    """Max pooling as a layer (``torch.nn.MaxPool2d``): see :mod:`convcourse.pooling`.

    Parameters
    ----------
    kernel_size : int or (int, int)
        The window ``(kh, kw)``.
    stride : int, (int, int) or None, default None
        ``None`` means ``kernel_size``.
    padding : int or (int, int), default 0
        ``-inf`` on each side, at most ``kernel_size // 2``.
    implementation : {"naive", "fast"}, default "naive"
        :mod:`convcourse.pooling` (loops) or :mod:`convcourse.fast_pooling`.

    Examples
    --------
    >>> MaxPool2d(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """

    _functions = {
        "naive": Functions(pooling.max_pool2d_forward, pooling.max_pool2d_backward),
        "fast": Functions(fast_pooling.max_pool2d_forward, fast_pooling.max_pool2d_backward),
    }


class AvgPool2d(_Pool2d):
    """Average pooling as a layer (``torch.nn.AvgPool2d``, padded zeros counted).

    Parameters as for :class:`MaxPool2d` (the padding is zeros here).

    Examples
    --------
    >>> AvgPool2d(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """

    _functions = {
        "naive": Functions(pooling.avg_pool2d_forward, pooling.avg_pool2d_backward),
        "fast": Functions(fast_pooling.avg_pool2d_forward, fast_pooling.avg_pool2d_backward),
    }
