"""The transposed convolution's player (chapter 8): its numbers are torch's."""

from __future__ import annotations

import re

import numpy as np
import pytest

from convcourse import reference, transposed
from convcourse.plot import animate_conv_transpose
from convcourse.plot.player import PLAYER_BUDGET
from convcourse.transposed_geometry import check_conv_transpose2d

X3 = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 1.0], [2.0, 0.0, -2.0]])
K3 = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, 1.0, 1.0]])


def test_last_caption_is_torchs_output_and_frames_follow_the_pixels():
    player = animate_conv_transpose(X3, K3, stride=2, padding=1, output_padding=1)
    assert len(player.frames) == 9 + 2 and player.nbytes < PLAYER_BUDGET
    want = reference.conv_transpose2d(X3[None, None], K3[None, None], stride=2, padding=1,
                                      output_padding=1)[0, 0]
    shown = re.search(r"out = (\[\[.*\]\])", player.captions[-1]).group(1)
    assert np.array_equal(np.array(eval(shown)), want)  # small integers: exact
    assert player.captions[5].startswith("x[1, 1] = 3 stamps 3·w onto rows 2-4, columns 2-4")
    assert player.to_html() == animate_conv_transpose(X3, K3, 2, 1, 1).to_html()
    assert "stride 2" in player.description


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="output_padding"):
        animate_conv_transpose(X3, K3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="K"):
        animate_conv_transpose(X3, np.ones((6, 6)))
    with pytest.raises(ValueError, match="too large"):
        animate_conv_transpose(np.ones((5, 5)), K3, stride=2)


def test_the_player_shows_the_package_numbers_not_its_own(monkeypatch):
    """Change the transposed convolution and the picture changes with it."""
    def fours(x, w, bias=None, stride=1, padding=0, output_padding=0, **kwargs):
        geometry = check_conv_transpose2d(x, w, None, stride, padding,
                                           output_padding, 1, 1)
        return np.full(geometry.output_shape, 4.0)

    monkeypatch.setattr(transposed, "conv_transpose2d_forward", fours)
    player = animate_conv_transpose(np.ones((1, 2)), np.ones((1, 2)))
    assert player.captions[-1].endswith("out = [[4, 4, 4]]")
    assert "+= 4, 4" in player.captions[1]
