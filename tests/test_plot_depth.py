"""Tests of :mod:`convcourse.plot.depth`: the activations of deep stacks as a player."""

from __future__ import annotations

import numpy as np
import pytest

from convcourse.plot.depth import MAX_LAYERS, animate_activations


def _layers(depth: int, factor: float) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal((4, 2, 3, 3)) * factor**k for k in range(depth)]


def test_one_frame_per_layer_with_each_stack_s_spread():
    player = animate_activations({"plain": _layers(3, 0.5), "normalised": _layers(3, 1.0)},
                                 description="Two stacks, one shrinking.")
    assert len(player.frames) == len(player.captions) == 3
    assert player.captions[0].startswith("layer 1 of 3: standard deviation plain ")
    spreads = [float(c.split("plain ")[1].split(",")[0]) for c in player.captions]
    assert spreads[0] > spreads[1] > spreads[2]
    assert "Two stacks, one shrinking." in player._repr_html_()


def test_same_input_gives_the_same_html():
    stacks = {"a": _layers(2, 0.7)}
    assert animate_activations(stacks)._repr_html_() == animate_activations(stacks)._repr_html_()


@pytest.mark.parametrize(("stacks", "error", "words"), [
    ({}, TypeError, "non-empty dict"),
    ([np.zeros(3)], TypeError, "non-empty dict"),
    ({"a": np.zeros((2, 3))}, TypeError, "list of arrays"),
    ({"a": _layers(2, 1.0), "b": _layers(3, 1.0)}, ValueError, "same number of layers"),
    ({"a": _layers(MAX_LAYERS + 1, 1.0)}, ValueError, "same number of layers"),
    ({1: _layers(2, 1.0)}, TypeError, "keyed by names"),
])
def test_bad_stacks_are_refused_with_the_reason(stacks, error, words):
    with pytest.raises(error, match=words):
        animate_activations(stacks)


def test_bad_interval_and_description():
    with pytest.raises(ValueError, match="interval"):
        animate_activations({"a": _layers(2, 1.0)}, interval=10)
    with pytest.raises(TypeError, match="description"):
        animate_activations({"a": _layers(2, 1.0)}, description="")
