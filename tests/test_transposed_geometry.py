"""The transposed convolution's window: the convolution's window laid over the output,
checked against torch's conv_transpose2d."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convcourse.transposed_geometry import transposed_window

TRANSPOSED = [
    # (input size, kernel_size, stride, padding, dilation, output_padding)
    ((3, 3), 3, 2, 1, 1, 1),
    ((4, 2), (2, 3), (1, 2), (0, 1), (2, 1), (1, 0)),
    ((2, 3), 3, 3, 2, 1, 2),
    ((1, 1), 1, 1, 0, 1, 0),
    ((3, 4), (3, 2), 1, 0, 3, 2),  # output_padding above the stride: below the dilation
]


@pytest.mark.parametrize("size, kernel, stride, padding, dilation, extra", TRANSPOSED)
def test_transposed_window_scatters_what_torch_conv_transpose2d_computes(
    size, kernel, stride, padding, dilation, extra
):
    """Input (i, j) times the kernel, added into window (i, j) of the padded output,
    then the padding cut off: torch's transposed convolution, to rounding."""
    win = transposed_window(size, kernel, stride, padding, dilation, extra)
    assert (win.out_height, win.out_width) == size
    rng = np.random.default_rng(0)
    x = rng.standard_normal(size)
    w = rng.standard_normal((win.kernel_h, win.kernel_w))
    out_pad = np.zeros(win.padded_size)
    for i, j in win.positions():
        out_pad[win.window(i, j)] += x[i, j] * w
    expected = F.conv_transpose2d(
        torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None], stride=stride,
        padding=padding, output_padding=extra, dilation=dilation,
    )[0, 0].numpy()
    assert win.unpad(out_pad).shape == expected.shape == (win.height, win.width)
    np.testing.assert_allclose(win.unpad(out_pad), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "arguments, error, pattern",
    [
        ({"output_padding": 2, "stride": 2}, ValueError,
         r"output_padding must be smaller than the stride or the dilation on each axis, "
         r"got output_padding=2 with stride=\(2, 2\), dilation=\(1, 1\)"),
        ({"padding": 3}, ValueError,
         r"padding=3 crops the whole output: the transposed convolution "
         r"spans 4x4 before cropping \(input 2x2\)"),
        ({"padding": "same"}, TypeError,
         r"padding must be an int or a pair of ints \(h, w\), got 'same'"),
    ],
)
def test_transposed_window_rejects_bad_input(arguments, error, pattern):
    call = {"size": (2, 2), "kernel_size": 3, "stride": 1} | arguments
    with pytest.raises(error, match=pattern):
        transposed_window(**call)
