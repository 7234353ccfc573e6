"""Hypothesis strategies that draw valid 2-D convolution, pooling and transposed
convolution problems."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from convcourse.geometry import ConvGeometry, PoolGeometry, dilated_size, resolve_padding
from convcourse.transposed_geometry import ConvTransposeGeometry


@dataclass
class ConvCase:
    """One convolution problem: arrays plus the hyper-parameters, torch-style."""

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    stride: int | tuple[int, int]
    padding: int | tuple[int, int] | str
    dilation: int | tuple[int, int]
    groups: int

    @property
    def hyper(self) -> dict:
        return {
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "groups": self.groups,
        }

    @property
    def geometry(self) -> ConvGeometry:
        return ConvGeometry.from_shapes(self.x.shape, self.weight.shape, **self.hyper)

    def grad_out(self, seed: int = 0) -> np.ndarray:
        """A random upstream gradient shaped like the output, in the input's dtype."""
        rng = np.random.default_rng(seed)
        return rng.standard_normal(self.geometry.output_shape).astype(self.x.dtype)


def _int_or_pair(draw, low: int, high: int):
    if draw(st.booleans()):
        return draw(st.integers(low, high))
    return (draw(st.integers(low, high)), draw(st.integers(low, high)))


def _pair(value):
    return (value, value) if isinstance(value, int) else value


@st.composite
def conv_cases(draw, dtype=np.float64, max_batch: int = 3) -> ConvCase:
    """Draw a valid convolution: any batch, channels, groups, rectangular kernel,
    stride, padding (int, pair, "valid", "same"), dilation and spatial size."""
    groups = draw(st.integers(1, 3))
    in_channels = groups * draw(st.integers(1, 3))
    out_channels = groups * draw(st.integers(1, 3))
    kernel_h, kernel_w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = _int_or_pair(draw, 1, 3)
    dilation = _int_or_pair(draw, 1, 2)
    padding_kind = draw(st.sampled_from(["int", "pair", "valid", "same"]))
    if padding_kind == "same" and _pair(stride) != (1, 1):
        stride = 1
    if padding_kind == "int":
        padding = draw(st.integers(0, 2))
    elif padding_kind == "pair":
        padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    else:
        padding = padding_kind

    # the smallest input the dilated kernel fits in once padded
    top, bottom, left, right = resolve_padding(padding, (kernel_h, kernel_w), stride, dilation)
    d_h, d_w = _pair(dilation)
    min_h = max(1, dilated_size(kernel_h, d_h) - top - bottom)
    min_w = max(1, dilated_size(kernel_w, d_w) - left - right)
    height = draw(st.integers(min_h, min_h + 5))
    width = draw(st.integers(min_w, min_w + 5))
    batch = draw(st.integers(1, max_batch))

    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, in_channels, height, width)).astype(dtype)
    weight = rng.standard_normal(
        (out_channels, in_channels // groups, kernel_h, kernel_w)
    ).astype(dtype)
    bias = rng.standard_normal(out_channels).astype(dtype) if draw(st.booleans()) else None
    return ConvCase(x, weight, bias, stride, padding, dilation, groups)


@st.composite
def layer_cases(draw) -> dict:
    """A valid ``torch.nn.Conv2d``-style layer on one image, as keyword arguments of
    :mod:`convcourse.counting`: input_shape (C, H, W), channels, groups, kernel..."""
    groups = draw(st.integers(1, 3))
    in_channels = groups * draw(st.integers(1, 3))
    out_channels = groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    # the smallest image the dilated kernel fits in, plus a few
    smallest = [max(1, dilated_size(kernel[a], dilation[a]) - 2 * padding[a]) for a in range(2)]
    height = smallest[0] + draw(st.integers(0, 4))
    width = smallest[1] + draw(st.integers(0, 4))
    return {
        "input_shape": (in_channels, height, width),
        "out_channels": out_channels,
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
    }


def hyper_of(case: dict) -> dict:
    """The hyper-parameters of a :func:`layer_cases` case, for the conv functions."""
    return {k: case[k] for k in ("stride", "padding", "dilation", "groups")}


@dataclass
class PoolCase:
    """One pooling problem: an input and the window, spelled as torch accepts it."""

    x: np.ndarray
    kernel_size: int | tuple[int, int]
    stride: int | tuple[int, int] | None
    padding: int | tuple[int, int]

    @property
    def window(self) -> dict:
        return {"kernel_size": self.kernel_size, "stride": self.stride, "padding": self.padding}

    @property
    def geometry(self) -> PoolGeometry:
        return PoolGeometry.from_shapes(self.x.shape, **self.window)

    def grad_out(self, seed: int = 0) -> np.ndarray:
        """A random upstream gradient shaped like the output, in the input's dtype."""
        rng = np.random.default_rng(seed)
        return rng.standard_normal(self.geometry.output_shape).astype(self.x.dtype)


@st.composite
def pool_cases(draw, dtype=np.float64, max_batch: int = 2, ties: bool | None = None) -> PoolCase:
    """Draw a valid pooling: rectangular window, stride (or None: the window), padding up
    to half the window, and an input that fits. With ``ties`` (drawn if ``None``) the
    input holds small integers, so that windows often hold several equal maxima."""
    kernel_h, kernel_w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kernel = kernel_h if kernel_h == kernel_w and draw(st.booleans()) else (kernel_h, kernel_w)
    stride = draw(st.one_of(st.none(), st.integers(1, 3),
                            st.tuples(st.integers(1, 3), st.integers(1, 3))))
    pad_h, pad_w = draw(st.integers(0, kernel_h // 2)), draw(st.integers(0, kernel_w // 2))
    padding = pad_h if pad_h == pad_w and draw(st.booleans()) else (pad_h, pad_w)
    height = max(1, kernel_h - 2 * pad_h) + draw(st.integers(0, 5))
    width = max(1, kernel_w - 2 * pad_w) + draw(st.integers(0, 5))
    shape = (draw(st.integers(1, max_batch)), draw(st.integers(1, 3)), height, width)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if ties is None:
        ties = draw(st.booleans())
    x = rng.integers(-2, 3, shape) if ties else rng.standard_normal(shape)
    return PoolCase(x.astype(dtype), kernel, stride, padding)


@dataclass
class TransposeCase:
    """One transposed convolution problem: arrays plus the hyper-parameters, torch-style
    (``torch.nn.functional.conv_transpose2d``'s argument order)."""

    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    stride: int | tuple[int, int]
    padding: int | tuple[int, int]
    output_padding: int | tuple[int, int]
    groups: int
    dilation: int | tuple[int, int]

    @property
    def hyper(self) -> dict:
        return {
            "stride": self.stride,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "groups": self.groups,
            "dilation": self.dilation,
        }

    @property
    def geometry(self) -> ConvTransposeGeometry:
        return ConvTransposeGeometry.from_shapes(self.x.shape, self.weight.shape, **self.hyper)

    def grad_out(self, seed: int = 0) -> np.ndarray:
        """A random upstream gradient shaped like the output, in the input's dtype."""
        rng = np.random.default_rng(seed)
        return rng.standard_normal(self.geometry.output_shape).astype(self.x.dtype)


@st.composite
def conv_transpose_cases(draw, dtype=np.float64, max_batch: int = 3) -> TransposeCase:
    """Draw a valid transposed convolution: any batch, channels, groups, rectangular
    kernel, stride, padding, output_padding (below the stride or the dilation, so at
    times a whole stride or more), dilation, and an input whose output is not empty."""
    groups = draw(st.integers(1, 3))
    in_channels = groups * draw(st.integers(1, 3))
    out_per_group = draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = _int_or_pair(draw, 1, 3)
    dilation = _int_or_pair(draw, 1, 3)
    padding = _int_or_pair(draw, 0, 2)
    limits = [max(s, d) - 1 for s, d in zip(_pair(stride), _pair(dilation), strict=True)]
    output_padding = (draw(st.integers(0, limits[0])), draw(st.integers(0, limits[1])))
    if output_padding[0] == output_padding[1] and draw(st.booleans()):
        output_padding = output_padding[0]

    sizes = []
    for axis in (0, 1):  # the smallest input whose output keeps at least one cell
        s, p, d = _pair(stride)[axis], _pair(padding)[axis], _pair(dilation)[axis]
        cut = 2 * p - d * (kernel[axis] - 1) - _pair(output_padding)[axis]
        smallest = 1 + max(0, -(-cut // s))
        sizes.append(draw(st.integers(smallest, smallest + 4)))
    batch = draw(st.integers(1, max_batch))

    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((batch, in_channels, *sizes)).astype(dtype)
    weight = rng.standard_normal((in_channels, out_per_group, *kernel)).astype(dtype)
    bias = None
    if draw(st.booleans()):
        bias = rng.standard_normal(groups * out_per_group).astype(dtype)
    return TransposeCase(x, weight, bias, stride, padding, output_padding, groups, dilation)
