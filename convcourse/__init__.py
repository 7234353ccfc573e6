"""convcourse: 2-D convolution built from scratch in numpy, checked against PyTorch.

The names a chapter needs most are here; each lives in a small module of its own:

* :func:`conv_output_size` (:mod:`convcourse.shapes`)
* :mod:`convcourse.naive`: ``conv2d_forward`` and ``conv2d_backward`` with loops
* :func:`corr2d` (:mod:`convcourse.corr`)
* :class:`Conv2d` (:mod:`convcourse.layers`)
* :func:`numerical_gradient` and :func:`rel_error` (:mod:`convcourse.gradcheck`)
"""

from . import naive
from .corr import corr2d
from .gradcheck import numerical_gradient, rel_error
from .layers import Conv2d
from .shapes import conv_output_size

__all__ = [
    "Conv2d",
    "conv_output_size",
    "corr2d",
    "naive",
    "numerical_gradient",
    "rel_error",
]
__version__ = "0.1.0"
