"""convcourse: 2-D convolution built from scratch in numpy, checked against PyTorch.

The names a chapter needs most are here; each lives in a small module of its own.
The modules are layered, each importing only those above it in this list:

* :mod:`convcourse.validation`: the argument checks every public function uses
* :mod:`convcourse.window`: :func:`conv_output_size` and ``Window``, where a sliding
  window reads (convolution, pooling, transposed convolution)
* :mod:`convcourse.geometry`: ``ConvGeometry`` and ``check_conv2d``, ``PoolGeometry``
  and ``check_pool2d``: a window with channels, and the checks of a call (pooling's
  in :mod:`convcourse.pool_geometry`, the transposed convolution's in
  :mod:`convcourse.transposed_geometry`)
* :mod:`convcourse.naive`: ``conv2d_forward`` and ``conv2d_backward`` with loops
  (chapters 1-2)
* :mod:`convcourse.remembered`: those checks, done once per kind of call
* :mod:`convcourse.columns`: im2col and col2im, the windows as columns and back
* :mod:`convcourse.fast`: the same two functions, vectorised with im2col (chapter 5)
* :mod:`convcourse.pooling` and :mod:`convcourse.fast_pooling`: max and average
  pooling, forward and backward, with loops and vectorised (chapter 6)
* :mod:`convcourse.transposed` and :mod:`convcourse.fast_transposed`: the transposed
  convolution, forward and backward, with loops and vectorised (chapter 8; its
  geometry and output size, :func:`conv_transpose_output_size`, in
  :mod:`convcourse.transposed_geometry`)
* :func:`corr2d` (:mod:`convcourse.corr`) and :mod:`convcourse.kernels` (chapter 3)
* :class:`Conv2d` (:mod:`convcourse.layers`; the protocol every layer follows, and the
  cache a layer keeps between its passes, in :mod:`convcourse.layer_protocol`)
* :class:`ConvTranspose2d` (:mod:`convcourse.transposed_layer`, chapter 8)
* :func:`numerical_gradient` and :func:`rel_error` (:mod:`convcourse.gradcheck`)
* :mod:`convcourse.counting` and :mod:`convcourse.linear_map` (chapter 4)
* the network of chapter 6: the layers :class:`Linear`, :class:`ReLU`,
  :class:`MaxPool2d`, :class:`AvgPool2d`, :class:`Flatten` (:mod:`convcourse.layers`,
  with ``Conv2d``; the pooling layers from :mod:`convcourse.pool_layers`) and
  :class:`Sequential` (:mod:`convcourse.network`);
  :func:`softmax_cross_entropy` (:mod:`convcourse.loss`); :class:`SGD`
  (:mod:`convcourse.optim`); the digits (:mod:`convcourse.data`, read from the file
  scikit-learn ships, without importing it); :mod:`convcourse.training` (steps, epochs,
  accuracy; tqdm only for a progress bar); :func:`receptive_field`
  (:mod:`convcourse.receptive_field`)
* the blocks of a deep CNN (chapter 7): :class:`BatchNorm2d`
  (:mod:`convcourse.normalization`), :class:`Residual` and :class:`GlobalAvgPool2d`
  (:mod:`convcourse.blocks`, with ``small_resnet``), training and evaluation modes
  (:mod:`convcourse.modes`), and the digits on a larger canvas (:mod:`convcourse.canvas`)
* for chapter 8: nearest upsampling (:mod:`convcourse.upsampling`, the resize of
  resize-then-convolve), the effective receptive field
  (:mod:`convcourse.effective_field`), saliency and occlusion maps
  (:mod:`convcourse.attribution`), and the mean squared error (:mod:`convcourse.loss`)

Three more are imported on their own, never by this package, because they need more
than numpy: :mod:`convcourse.plot` (the figures; matplotlib),
:mod:`convcourse.reference` (the PyTorch referee that tests, chapters and benchmarks
compare with; torch), and the helpers for chapters (:mod:`convcourse.source`,
:mod:`convcourse.timing`; standard library).
"""

from importlib.metadata import PackageNotFoundError, version

from . import (
    blocks,
    canvas,
    columns,
    counting,
    data,
    fast,
    fast_pooling,
    fast_transposed,
    geometry,
    kernels,
    linear_map,
    modes,
    naive,
    normalization,
    pooling,
    remembered,
    training,
    transposed,
    transposed_geometry,
    validation,
    window,
)
from .blocks import GlobalAvgPool2d, Residual
from .corr import corr2d
from .gradcheck import numerical_gradient, rel_error
from .layers import AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU
from .loss import softmax_cross_entropy
from .network import Sequential
from .normalization import BatchNorm2d
from .optim import SGD
from .receptive_field import receptive_field
from .transposed_geometry import conv_transpose_output_size
from .transposed_layer import ConvTranspose2d
from .window import conv_output_size

try:
    __version__ = version("convcourse")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "AvgPool2d",
    "BatchNorm2d",
    "Conv2d",
    "ConvTranspose2d",
    "Flatten",
    "GlobalAvgPool2d",
    "Linear",
    "MaxPool2d",
    "ReLU",
    "Residual",
    "SGD",
    "Sequential",
    "blocks",
    "canvas",
    "columns",
    "conv_output_size",
    "conv_transpose_output_size",
    "corr2d",
    "counting",
    "data",
    "fast",
    "fast_pooling",
    "fast_transposed",
    "geometry",
    "kernels",
    "linear_map",
    "modes",
    "naive",
    "normalization",
    "numerical_gradient",
    "pooling",
    "receptive_field",
    "rel_error",
    "remembered",
    "softmax_cross_entropy",
    "training",
    "transposed",
    "transposed_geometry",
    "validation",
    "window",
]
