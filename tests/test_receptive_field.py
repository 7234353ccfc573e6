"""The receptive field by formula against the one found empirically: where the gradient
of one output pixel with respect to the input is not zero."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from convcourse import (
    AvgPool2d,
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
    receptive_field,
)
from convcourse.network import lenet
from convcourse.receptive_field import ReceptiveField


@st.composite
def spatial_layer(draw):
    """A Conv2d (positive weights, any kernel, stride, padding, dilation), an AvgPool2d
    or a ReLU. Max pooling is left out here: its gradient goes to one input per
    window, so it shows a path, not the whole field (see below)."""
    kind = draw(st.sampled_from(["conv", "conv", "avg", "relu"]))
    if kind == "relu":
        return ReLU()
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    if kind == "avg":
        return AvgPool2d(kernel, stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                         padding=(draw(st.integers(0, kernel[0] // 2)),
                                  draw(st.integers(0, kernel[1] // 2))),
                         implementation="fast")
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.one_of(st.integers(0, 2), st.just("same"))) if stride == (1, 1) else \
        draw(st.integers(0, 2))
    layer = Conv2d(1, 1, kernel, stride=stride, padding=padding,
                   dilation=(draw(st.integers(1, 2)), draw(st.integers(1, 2))), rng=0,
                   implementation="fast")
    layer.weight = np.abs(layer.weight) + 0.1  # every path counts: nothing cancels
    return layer


def gradient_support(net: Sequential, size: int, i: int, j: int) -> tuple[range, range]:
    """Rows and columns of the input where d out[0, 0, i, j] / d x is not zero."""
    x = np.random.default_rng(0).uniform(0.5, 1.5, (1, 1, size, size))  # positive
    out = net.forward(x)
    grad_out = np.zeros_like(out)
    grad_out[0, 0, i, j] = 1.0
    nonzero = net.backward(grad_out)[0, 0] != 0
    rows, cols = np.flatnonzero(nonzero.any(axis=1)), np.flatnonzero(nonzero.any(axis=0))
    return range(rows[0], rows[-1] + 1), range(cols[0], cols[-1] + 1)


@given(st.lists(spatial_layer(), min_size=1, max_size=4))
def test_formula_matches_the_gradient_of_one_output_pixel(layers):
    net = Sequential(*layers)
    field = receptive_field(net)
    size = 3 * max(field.size) + 2 * max(field.jump) + 4
    # the first output pixel whose field lies wholly inside the input
    i, j = (-(start // jump) for start, jump in zip(field.start, field.jump, strict=True))
    assume(max(field.start[0] + i * field.jump[0] + field.size[0],
               field.start[1] + j * field.jump[1] + field.size[1]) <= size)
    try:
        out_shape = net.forward(np.zeros((1, 1, size, size))).shape
    except ValueError:  # the stack shrinks the input to nothing
        assume(False)
    assume(i < out_shape[2] and j < out_shape[3])
    rows, cols = gradient_support(net, size, i, j)
    expected_rows, expected_cols = field.region(i, j, size, size)
    assert (rows.start, rows.stop) == (expected_rows.start, expected_rows.stop)
    assert (cols.start, cols.stop) == (expected_cols.start, expected_cols.stop)


def test_lenet_field_and_max_pooling():
    """Max pooling has the window geometry of average pooling, so the same field; its
    gradient reaches one input per window, inside that field."""
    net = lenet(channels=(1, 1), rng=0)
    field = receptive_field(net[:6])
    assert field == ReceptiveField(size=(10, 10), jump=(4, 4), start=(-3, -3))
    averaged = [AvgPool2d(2) if isinstance(layer, MaxPool2d) else layer for layer in net[:6]]
    assert receptive_field(averaged) == field
    for layer in net[:6]:
        if isinstance(layer, Conv2d):
            layer.weight = np.abs(layer.weight) + 0.1
    rows, cols = gradient_support(Sequential(*net[:6]), 8, 1, 1)
    region = field.region(1, 1, 8, 8)
    assert region == (slice(1, 8), slice(1, 8))  # rows 1..10, cut to the 8x8 input
    assert region[0].start <= rows.start and rows.stop <= region[0].stop
    assert region[1].start <= cols.start and cols.stop <= region[1].stop
    full_rows, _ = gradient_support(Sequential(*averaged), 8, 1, 1)
    assert (full_rows.start, full_rows.stop) == (1, 8)


def test_two_small_kernels_see_as_far_as_one_large():
    three_by_three = [Conv2d(1, 1, 3, rng=0), ReLU(), Conv2d(1, 1, 3, rng=0)]
    assert receptive_field(three_by_three).size == receptive_field([Conv2d(1, 1, 5)]).size
    assert receptive_field([Conv2d(1, 1, 3, dilation=2)]).size == (5, 5)
    assert receptive_field([ReLU()]) == ReceptiveField((1, 1), (1, 1), (0, 0))
    stride = receptive_field([Conv2d(1, 1, 2, stride=2), Conv2d(1, 1, (3, 1), padding=(1, 0))])
    assert stride == ReceptiveField(size=(6, 2), jump=(2, 2), start=(-2, 0))


@pytest.mark.parametrize("layer", [Flatten(), Linear(4, 2, rng=0)])
def test_layers_that_mix_all_positions_are_refused(layer):
    with pytest.raises(TypeError, match=rf"got {type(layer).__name__}; a Linear or Flatten"):
        receptive_field([Conv2d(1, 1, 3), layer])
