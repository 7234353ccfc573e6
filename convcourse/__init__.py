"""convcourse: 2-D convolution built from scratch in numpy, checked against PyTorch.

The names a chapter needs most are here; each lives in a small module of its own:

* :func:`conv_output_size` (:mod:`convcourse.shapes`)
* :mod:`convcourse.naive`: ``conv2d_forward`` and ``conv2d_backward`` with loops (chapters 1-2)
* :mod:`convcourse.fast`: the same two functions, vectorised with im2col (chapter 5)
* :func:`corr2d` (:mod:`convcourse.corr`) and :mod:`convcourse.kernels` (chapter 3)
* :class:`Conv2d` (:mod:`convcourse.layers`)
* :func:`numerical_gradient` and :func:`rel_error` (:mod:`convcourse.gradcheck`)
* :mod:`convcourse.counting` and :mod:`convcourse.linear_map` (chapter 4)

:mod:`convcourse.plot` holds the chapters' figure helpers; it needs matplotlib, so it
is imported on its own (``from convcourse import plot``), never by this package.
"""

from . import counting, fast, kernels, linear_map, naive
from .corr import corr2d
from .gradcheck import numerical_gradient, rel_error
from .layers import Conv2d
from .shapes import conv_output_size

__all__ = [
    "Conv2d",
    "conv_output_size",
    "corr2d",
    "counting",
    "fast",
    "kernels",
    "linear_map",
    "naive",
    "numerical_gradient",
    "rel_error",
]
__version__ = "0.1.0"
