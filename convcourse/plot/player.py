"""A self-contained HTML player for a few frames of a figure (the animations' output).

:func:`record` draws a figure once per frame and keeps each frame as a small PNG;
:class:`Player` wraps the frames in HTML that plays them in a web page or a notebook:
the frames, their captions, the controls and the few lines of JavaScript that drive
them are all inside the HTML, so it needs no network, no kernel and no library
(matplotlib's ``FuncAnimation.to_jshtml`` would fetch Font Awesome from a CDN, and
leaves its image without alt text and its slider without a label).

Made for readers of every kind:

* **Screen readers.** The player is a labelled group; its image has alt text saying
  what the whole animation shows; a caption under the image says what the current
  frame shows (the multiply-add of the current window, for example) and is announced
  when a reader steps through the frames (not while it plays, which would be noise).
* **Keyboards.** The controls are ordinary buttons (First, Back, Play/Pause, Next,
  Last) with visible text and a slider labelled "Frame"; focus is outlined.
* **No motion unless asked.** Nothing plays until Play is pressed, and playing stops
  at the last frame.
* **No JavaScript** (an untrusted notebook, a static preview): the image shows the
  last frame, the finished picture, with its caption, and the controls stay hidden.

The HTML is deterministic: the same frames give byte-identical HTML, whose element
id is a hash of the content (a notebook's stored output stays the same from run to
run, so nbval can compare it).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from PIL import Image

from ..validation import check_int

__all__ = ["PLAYER_BUDGET", "PNG_COLORS", "Player", "record"]

#: The most bytes one player should add to a page ("a few hundred kB" at most); the
#: animations of the chapters weigh about a third of it.
PLAYER_BUDGET = 300_000

#: Colours kept in each frame's PNG: the figures are flat colours and text, and a
#: 64-colour palette makes a frame about three times smaller than full colour.
PNG_COLORS = 64

_STYLE = """\
.cc-player{display:inline-block;max-width:100%;background:#fff;color:#1a1a1a;
border:1px solid #8c8c8c;border-radius:4px;padding:6px;margin:4px 0}
.cc-player img{display:block;max-width:100%;height:auto}
.cc-player .cc-player-caption{font-family:monospace;font-size:0.9em;margin:6px 4px;
min-height:2.6em;white-space:pre-wrap;color:#1a1a1a;background:#fff}
.cc-player .cc-player-controls{display:flex;flex-wrap:wrap;align-items:center;gap:4px}
.cc-player .cc-player-controls[hidden]{display:none}
.cc-player button{font:inherit;font-size:0.9em;color:#1a1a1a;background:#ececec;
border:1px solid #595959;border-radius:3px;padding:2px 10px;cursor:pointer}
.cc-player button:hover{background:#d6d6d6}
.cc-player button:focus-visible,.cc-player input:focus-visible{outline:3px solid #0b5cad;
outline-offset:2px}
.cc-player input[type=range]{flex:1 1 8em;min-width:6em;accent-color:#0b5cad}
.cc-player .cc-player-counter{font-size:0.9em;color:#1a1a1a;min-width:4.5em;
text-align:right}"""

_SCRIPT = """\
(function () {
  var root = document.getElementById(%(id)s);
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var frames = %(frames)s, captions = %(captions)s, interval = %(interval)d;
  var image = root.querySelector("img"), caption = root.querySelector(".cc-player-caption");
  var slider = root.querySelector("input"), counter = root.querySelector(".cc-player-counter");
  var play = root.querySelector("[data-action=play]"), timer = null, current = 0;
  frames.push(image.getAttribute("src"));
  function show(k) {
    current = Math.max(0, Math.min(frames.length - 1, k));
    image.src = frames[current];
    caption.textContent = captions[current];
    slider.value = current;
    counter.textContent = (current + 1) + " / " + frames.length;
    root.setAttribute("data-frame", current);
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = "Play";
    caption.setAttribute("aria-live", "polite");
  }
  function start() {
    if (current === frames.length - 1) { show(0); }
    caption.setAttribute("aria-live", "off");
    play.textContent = "Pause";
    timer = setInterval(function () {
      if (current >= frames.length - 1) { stop(); } else { show(current + 1); }
    }, interval);
  }
  var actions = {
    first: function () { stop(); show(0); },
    back: function () { stop(); show(current - 1); },
    play: function () { if (timer === null) { start(); } else { stop(); } },
    next: function () { stop(); show(current + 1); },
    last: function () { stop(); show(frames.length - 1); }
  };
  root.querySelectorAll("button[data-action]").forEach(function (button) {
    button.addEventListener("click", actions[button.getAttribute("data-action")]);
  });
  slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10)); });
  root.querySelector(".cc-player-controls").hidden = false;
  show(0);
})();"""

_BUTTONS = (("first", "First"), ("back", "Back"), ("play", "Play"), ("next", "Next"),
            ("last", "Last"))


def _png(figure: Figure, dpi: int) -> bytes:
    """The figure as a palette PNG of at most :data:`PNG_COLORS` colours."""
    figure.set_dpi(dpi)
    figure.canvas.draw()
    image = Image.frombuffer("RGBA", figure.canvas.get_width_height(physical=True),
                             figure.canvas.buffer_rgba()).convert("RGB")
    palette = image.quantize(PNG_COLORS, method=Image.Quantize.MEDIANCUT,
                             dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def record(figure: Figure, draw: Callable[[int], str], frames: int,
           dpi: int = 100) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """Draw ``figure`` once per frame and keep each frame as a PNG, then close it.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure the frames are drawn on; it is closed at the end (so that a
        notebook does not show it once more as a still).
    draw : callable
        ``draw(k)`` updates the figure to frame ``k`` and returns that frame's caption.
    frames : int
        How many frames, at least 1.
    dpi : int, default 100
        Resolution of the PNGs.

    Returns
    -------
    (tuple of bytes, tuple of str)
        The PNG files and the captions, one per frame.
    """
    frames = check_int(frames, "frames")
    dpi = check_int(dpi, "dpi", minimum=10)
    pictures, captions = [], []
    try:
        for k in range(frames):
            captions.append(str(draw(k)))
            pictures.append(_png(figure, dpi))
    finally:
        plt.close(figure)
    return tuple(pictures), tuple(captions)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _js(value: object) -> str:
    """``value`` as a JavaScript literal that is safe inside a ``<script>`` element."""
    return json.dumps(value).replace("</", "<\\/")


@dataclass(frozen=True, repr=False)
class Player:
    """Frames of an animation, shown in a web page or notebook as an accessible player.

    In a notebook, a ``Player`` at the end of a cell displays as the player
    (``_repr_html_``); on a website built from the notebook it plays with no kernel.

    Attributes
    ----------
    frames : tuple of bytes
        The frames, PNG files, in order.
    captions : tuple of str
        What each frame shows, in words (shown under the image).
    title : str
        A short name for the player (its accessible name), e.g. "The kernel sliding
        over the padded input".
    description : str
        What the whole animation shows, for readers who cannot see it (the image's
        alt text).
    interval : int, default 1000
        Milliseconds between frames while playing.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure, ax = plt.subplots(figsize=(1, 1))
    >>> frames, captions = record(figure, lambda k: f"frame {k}", 2, dpi=20)
    >>> player = Player(frames, captions, "Two frames", "A blank square, twice over.")
    >>> player
    <Player 'Two frames': 2 frames: A blank square, twice over.>
    >>> player.to_html() == player.to_html() and player.element_id.startswith("cc-player-")
    True
    """

    frames: tuple[bytes, ...]
    captions: tuple[str, ...]
    title: str
    description: str
    interval: int = 1000

    def __post_init__(self) -> None:
        if not isinstance(self.frames, tuple) or not self.frames:
            raise ValueError("frames must be a non-empty tuple of PNG files (bytes)")
        if not all(isinstance(frame, bytes) for frame in self.frames):
            raise TypeError("frames must hold PNG files (bytes)")
        if not isinstance(self.captions, tuple) or len(self.captions) != len(self.frames):
            raise ValueError(
                f"captions must be a tuple with one caption per frame ({len(self.frames)})"
            )
        for name in ("title", "description"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ValueError(f"{name} must be a non-empty str")
        check_int(self.interval, "interval", minimum=50)

    @property
    def element_id(self) -> str:
        """The HTML id of the player: a hash of its content, the same on every run."""
        digest = hashlib.sha256()
        for part in (self.title, self.description, str(self.interval), *self.captions):
            digest.update(part.encode("utf-8") + b"\0")
        for frame in self.frames:
            digest.update(frame)
        return "cc-player-" + digest.hexdigest()[:12]

    def to_html(self) -> str:
        """The player: a ``<div>`` with its style, image, caption, controls and script."""
        ident = self.element_id
        buttons = "".join(
            f'<button type="button" data-action="{action}">{text}</button>'
            for action, text in _BUTTONS
        )
        count = len(self.frames)
        script = _SCRIPT % {
            "id": _js(ident),
            "frames": _js([_data_uri(frame) for frame in self.frames[:-1]]),
            "captions": _js(list(self.captions)),
            "interval": self.interval,
        }
        width, height = Image.open(io.BytesIO(self.frames[-1])).size
        return (
            f'<div class="cc-player" id="{ident}" role="group" '
            f'aria-label="Animation: {html.escape(self.title)}" '
            f'data-interval="{self.interval}">'
            f"<style>{_STYLE}</style>"
            f'<img src="{_data_uri(self.frames[-1])}" width="{width}" height="{height}" '
            f'alt="{html.escape(self.description)}">'
            f'<p class="cc-player-caption">{html.escape(self.captions[-1])}</p>'
            f'<div class="cc-player-controls" hidden>{buttons}'
            f'<input type="range" min="0" max="{count - 1}" step="1" value="{count - 1}" '
            f'aria-label="Frame">'
            f'<span class="cc-player-counter">{count} / {count}</span></div>'
            f"<script>{script}</script></div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    @property
    def nbytes(self) -> int:
        """Size of :meth:`to_html` in bytes: what the player adds to a page."""
        return len(self.to_html().encode("utf-8"))

    def __repr__(self) -> str:
        return f"<Player {self.title!r}: {len(self.frames)} frames: {self.description}>"
