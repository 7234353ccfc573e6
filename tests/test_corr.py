"""corr2d: single-channel cross-correlation, against d2l's example and torch."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse import corr2d, reference, rel_error


@pytest.mark.parametrize("seed", range(3))
def test_corr2d_matches_torch(seed):
    rng = np.random.default_rng(seed)
    X, K = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    theirs = reference.conv2d(X[None, None], K[None, None])[0, 0]
    assert rel_error(corr2d(X, K), theirs) < 1e-10


def test_corr2d_d2l_example():
    X = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    K = np.array([[1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(corr2d(X, K), [[0.0, 2.0], [0.0, 1.0]])


def test_corr2d_keeps_float32_and_promotes_ints():
    assert corr2d(np.ones((3, 3), np.float32), np.ones((2, 2))).dtype == np.float32
    assert corr2d(np.ones((3, 3), int), np.ones((2, 2), int)).dtype == np.float64


def test_corr2d_rejects_bad_input():
    with pytest.raises(ValueError, match=r"K must be no larger than X on either axis"):
        corr2d(np.zeros((2, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"X must be 2-D \(H, W\), got shape \(1, 3, 3\)"):
        corr2d(np.zeros((1, 3, 3)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"K must be a numpy\.ndarray \(kh, kw\), got list"):
        corr2d(np.zeros((3, 3)), [[1.0]])
