"""Hypothesis strategies that draw valid 2-D convolution problems."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st


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

    (d_h, d_w) = _pair(dilation)
    reach_h, reach_w = d_h * (kernel_h - 1) + 1, d_w * (kernel_w - 1) + 1
    if padding == "same":
        min_h = min_w = 1
    else:
        p_h, p_w = (0, 0) if padding == "valid" else _pair(padding)
        min_h, min_w = max(1, reach_h - 2 * p_h), max(1, reach_w - 2 * p_w)
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


def torch_conv2d(case: ConvCase, x=None):
    """The reference: ``torch.nn.functional.conv2d`` on the same case, as numpy."""
    import torch
    import torch.nn.functional as F

    x = case.x if x is None else x
    bias = None if case.bias is None else torch.from_numpy(case.bias)
    out = F.conv2d(
        torch.from_numpy(x), torch.from_numpy(case.weight), bias, **case.hyper
    )
    return out.numpy()
