"""convcourse.remembered: a convolution's or pooling's checks, remembered only when
the outcome cannot differ, and never standing in for an error."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse import fast, fast_pooling, remembered
from convcourse.geometry import check_conv2d, check_pool2d


@pytest.fixture(autouse=True)
def empty_memory():
    remembered._remembered.clear()
    yield
    remembered._remembered.clear()


def conv_check(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return remembered.remembered_check(check_conv2d, (x, weight, bias),
                                       (stride, padding, dilation, groups))


def test_same_shapes_and_plain_hyper_parameters_give_the_same_geometry():
    x, weight = np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 3, 3))
    first = conv_check(x, weight, None, 1, 1)
    assert first == check_conv2d(x, weight, None, 1, 1)
    assert conv_check(np.ones((2, 3, 8, 8)), weight, None, 1, 1) is first
    assert conv_check(np.ones((2, 3, 8, 8), np.float32), weight, None, 1, 1) is first
    assert conv_check(x, weight, None, 2, 1) is not first  # another stride
    assert conv_check(x, weight, None, (1, 1), 1) is not first  # spelled as a pair
    assert conv_check(np.zeros((3, 3, 8, 8)), weight, None, 1, 1).batch == 3


@pytest.mark.parametrize("stride, error", [(True, TypeError), (np.int64(0), ValueError),
                                           ([1, True], TypeError)])
def test_unusual_hyper_parameters_are_checked_afresh(stride, error):
    x, weight = np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 3, 3))
    conv_check(x, weight, None, 1)  # 1 == True and hash(1) == hash(True): still refused
    with pytest.raises(error, match="stride"):
        conv_check(x, weight, None, stride)
    with pytest.raises(error, match="stride"):
        fast.conv2d_forward(x, weight, None, stride)


def test_arrays_of_another_kind_or_type_are_checked_afresh():
    x, weight = np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 3, 3))
    fast.conv2d_forward(x, weight)
    with pytest.raises(TypeError, match="x must hold real numbers"):
        fast.conv2d_forward(x.astype(complex), weight)
    with pytest.raises(TypeError, match="x must be a numpy.ndarray"):
        fast.conv2d_forward(x.tolist(), weight)
    with pytest.raises(TypeError, match="bias must be a numpy.ndarray"):
        fast.conv2d_forward(x, weight, [0.0] * 4)
    fast_pooling.max_pool2d_forward(x, 2)
    with pytest.raises(TypeError, match="x must hold real numbers"):
        fast_pooling.max_pool2d_forward(x.astype(complex), 2)


def test_a_failed_check_is_never_remembered():
    x, weight = np.zeros((2, 3, 8, 8)), np.zeros((4, 5, 3, 3))
    for _ in range(2):
        with pytest.raises(ValueError, match="x has 3 channels but weight expects 5"):
            fast.conv2d_forward(x, weight)
    assert not remembered._remembered
    with pytest.raises(ValueError, match="the kernel reaches 9x9"):
        remembered.remembered_check(check_pool2d, (x,), (9, None, 0))
    assert not remembered._remembered


def test_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(remembered, "MAX_REMEMBERED", 2)
    weight = np.zeros((1, 1, 1, 1))
    for size in range(1, 6):
        conv_check(np.zeros((1, 1, size, size)), weight)
        assert len(remembered._remembered) <= 2
