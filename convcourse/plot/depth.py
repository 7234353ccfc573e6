"""The activations of a deep stack, layer by layer, as a player (chapter 7).

:func:`animate_activations` shows, one frame per layer, the distribution of the
values each stack computes at that depth: one histogram per stack, side by side on
the same axes, with each one's standard deviation in the caption. Played, the frames
show what a table of numbers hides: where a plain stack's activations shrink towards
zero (or blow up) as they go deeper, a stack with batch normalisation keeps them at
the same spread at every layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..validation import check_array, check_int
from .player import PLAYER_BUDGET, Player, record
from .style import WINDOW_COLORS

__all__ = ["MAX_LAYERS", "animate_activations"]

#: The most layers (frames) one player shows.
MAX_LAYERS = 24

_BINS = 40


def _check_stacks(stacks: object) -> dict[str, list[np.ndarray]]:
    if not isinstance(stacks, Mapping) or not stacks:
        raise TypeError(f"stacks must be a non-empty dict of name -> list of arrays, got "
                        f"{type(stacks).__name__}")
    if len(stacks) > len(WINDOW_COLORS):
        raise ValueError(f"stacks must have at most {len(WINDOW_COLORS)} entries, got "
                         f"{len(stacks)}")
    checked: dict[str, list[np.ndarray]] = {}
    depth = None
    for name, layers in stacks.items():
        if not isinstance(name, str):
            raise TypeError(f"stacks must be keyed by names (str), got {name!r}")
        if not isinstance(layers, Sequence) or isinstance(layers, (str, np.ndarray)):
            raise TypeError(f"stacks[{name!r}] must be a list of arrays, one per layer, got "
                            f"{type(layers).__name__}")
        arrays = [check_array(a, f"stacks[{name!r}][{k}]", None, "any shape")
                  for k, a in enumerate(layers)]
        if depth is None:
            depth = len(arrays)
        if len(arrays) != depth or not 1 <= depth <= MAX_LAYERS:
            raise ValueError(
                f"stacks must all have the same number of layers, from 1 to {MAX_LAYERS}; "
                f"stacks[{name!r}] has {len(arrays)}, the first {depth}")
        checked[name] = [a.astype(float).ravel() for a in arrays]
    return checked


def animate_activations(
    stacks: Mapping[str, Sequence[np.ndarray]],
    title: str = "Activations layer by layer",
    description: str | None = None,
    interval: int = 800,
) -> Player:
    """Animate the distribution of each stack's activations, one frame per layer.

    Parameters
    ----------
    stacks : dict of str to list of numpy.ndarray
        For each stack (at most four), its activations after each layer, first
        layer first; every stack has the same number of layers (at most
        :data:`MAX_LAYERS`). Any array shape: all values of a layer are counted.
    title : str
        The player's accessible name.
    description : str or None
        The alt text of the whole animation; ``None`` gives a generic one naming the
        stacks (say what the reader should see, when you know it).
    interval : int, default 800
        Milliseconds between frames while playing (at least 50).

    Returns
    -------
    Player
        Frame ``k`` shows layer ``k + 1``: a histogram per stack on one shared
        horizontal axis (the range of every layer of every stack, so that a spread
        that shrinks is seen to shrink), and a caption with each standard deviation.

    Raises
    ------
    TypeError, ValueError
        For stacks of the wrong kind or of unequal depth, a bad interval, or a player
        over :data:`~.player.PLAYER_BUDGET` bytes.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> layers = [rng.standard_normal(100) * 0.5**k for k in range(3)]
    >>> player = animate_activations({"shrinking": layers})
    >>> len(player.captions), player.captions[2]
    (3, 'layer 3 of 3: standard deviation shrinking 0.279')
    """
    checked = _check_stacks(stacks)
    if not isinstance(title, str) or not title:
        raise TypeError(f"title must be a non-empty str, got {title!r}")
    if description is not None and (not isinstance(description, str) or not description):
        raise TypeError(f"description must be a non-empty str or None, got {description!r}")
    interval = check_int(interval, "interval", minimum=50)
    depth = len(next(iter(checked.values())))
    everything = np.concatenate([a for layers in checked.values() for a in layers])
    low, high = float(everything.min()), float(everything.max())
    if low == high:
        low, high = low - 1.0, high + 1.0
    edges = np.linspace(low, high, _BINS + 1)
    figure, ax = plt.subplots(figsize=(6.4, 2.8))

    def draw(k: int) -> str:
        ax.clear()
        parts = []
        for colour, (name, layers) in zip(WINDOW_COLORS, checked.items(), strict=False):
            values = layers[k]
            ax.hist(values, bins=edges, color=colour, alpha=0.55, label=name,
                    weights=np.full(values.size, 1.0 / values.size))
            parts.append(f"{name} {values.std():.3g}")
        ax.set_xlim(low, high)
        ax.set_ylim(0, 1)
        ax.set_xlabel("activation value")
        ax.set_ylabel("share of values")
        ax.set_title(f"layer {k + 1} of {depth}")
        ax.legend(loc="upper right", fontsize="small")
        figure.tight_layout()
        return f"layer {k + 1} of {depth}: standard deviation " + ", ".join(parts)

    frames, captions = record(figure, draw, depth, dpi=70)
    names = " and ".join(checked)
    player = Player(frames, captions, title, description or
                    f"Histograms of the activations of {names}, one frame per layer from "
                    f"layer 1 to layer {depth}, on one shared axis; the caption gives each "
                    f"stack's standard deviation at that layer.", interval)
    if player.nbytes > PLAYER_BUDGET:
        raise ValueError(f"too large to animate: the player would weigh "
                         f"{player.nbytes // 1000} kB, more than PLAYER_BUDGET "
                         f"({PLAYER_BUDGET // 1000} kB); show fewer layers")
    return player
