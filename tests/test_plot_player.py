"""Tests of :mod:`convcourse.plot.player`: frames recorded from a figure, and their HTML."""

from __future__ import annotations

import base64
import io
import re

import matplotlib.pyplot as plt
import pytest
from PIL import Image

from convcourse.plot.player import PNG_COLORS, Player, record


def _frames(count: int = 3) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    figure, ax = plt.subplots(figsize=(1.5, 1))
    text = ax.text(0.5, 0.5, "", ha="center")

    def draw(k: int) -> str:
        text.set_text(f"frame {k}")
        return f"caption {k}"

    return record(figure, draw, count, dpi=40)


def _player(**changes) -> Player:
    frames, captions = _frames()
    arguments = {"frames": frames, "captions": captions, "title": "a test",
                 "description": "Three frames that count from 0 to 2.", **changes}
    return Player(**arguments)


def test_record_draws_each_frame_as_a_small_png_and_closes_the_figure():
    before = plt.get_fignums()
    frames, captions = _frames()
    assert plt.get_fignums() == before  # record closed the figure it drew on
    assert captions == ("caption 0", "caption 1", "caption 2")
    images = [Image.open(io.BytesIO(frame)) for frame in frames]
    assert all(image.format == "PNG" and image.mode == "P" for image in images)
    assert all(image.size == (60, 40) for image in images)  # 1.5 x 1 inches at 40 dpi
    assert all(len(image.getcolors()) <= PNG_COLORS for image in images)
    assert len(set(frames)) == 3  # the text changed from frame to frame


def test_html_is_the_finished_picture_without_script_and_a_player_with_it():
    player = _player()
    html = player.to_html()
    ident = player.element_id
    assert re.fullmatch(r"cc-player-[0-9a-f]{12}", ident)
    assert html.startswith(f'<div class="cc-player" id="{ident}" role="group" '
                           f'aria-label="Animation: a test" data-interval="1000">')
    # Without JavaScript: the last frame and its caption, the controls hidden.
    last = base64.b64encode(player.frames[-1]).decode()
    assert f'<img src="data:image/png;base64,{last}" width="60" height="40" ' \
           f'alt="Three frames that count from 0 to 2.">' in html
    assert '<p class="cc-player-caption">caption 2</p>' in html
    assert '<div class="cc-player-controls" hidden>' in html
    # The script holds the other frames (the last is read back from the image).
    script = html.split("<script>")[1]
    assert script.count("data:image/png;base64,") == 2
    assert f'document.getElementById("{ident}")' in script
    for text in ("First", "Back", "Play", "Next", "Last"):
        assert f">{text}</button>" in html
    assert 'aria-label="Frame"' in html
    assert player._repr_html_() == html
    assert player.nbytes == len(html.encode())


def test_text_is_escaped_in_html_and_in_script():
    frames, _ = _frames()
    player = Player(frames, ("a", "b", "</script><b>"), 'x "quoted" <title>',
                    "An image & a <description>.")
    html = player.to_html()
    assert 'aria-label="Animation: x &quot;quoted&quot; &lt;title&gt;"' in html
    assert 'alt="An image &amp; a &lt;description&gt;."' in html
    assert html.count("</script>") == 1  # only the script's own end tag
    assert "&lt;/script&gt;&lt;b&gt;" in html


def test_the_id_depends_on_the_content_only():
    assert _player().element_id == _player().element_id
    assert _player().element_id != _player(title="another").element_id
    assert _player().element_id != _player(interval=500).element_id


def test_repr_says_what_it_shows():
    assert repr(_player()) == (
        "<Player 'a test': 3 frames: Three frames that count from 0 to 2.>"
    )


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"frames": ()}, ValueError, r"^frames must be a non-empty tuple"),
        ({"frames": ("not png",)}, TypeError, r"^frames must hold PNG files"),
        ({"captions": ("one",)}, ValueError, r"^captions must be a tuple with one caption "
                                             r"per frame \(3\)$"),
        ({"title": " "}, ValueError, r"^title must be a non-empty str$"),
        ({"description": None}, ValueError, r"^description must be a non-empty str$"),
        ({"interval": 0}, ValueError, r"^interval must be at least 50, got 0$"),
    ],
)
def test_bad_players_are_refused(changes, error, match):
    with pytest.raises(error, match=match):
        _player(**changes)


def test_record_checks_its_arguments():
    figure = plt.figure()
    with pytest.raises(ValueError, match=r"^frames must be at least 1, got 0$"):
        record(figure, lambda k: "", 0)
    with pytest.raises(TypeError, match=r"^dpi must be an int, got 72\.5$"):
        record(figure, lambda k: "", 1, dpi=72.5)
