"""The players and alt text on a small book of our own, built like the course's book.

The chapters receive their animations and alt text later (issue 15, phase 2); this
book shows, in the course's theme and configuration (``_config.yml``, ``_static/``,
``_templates/``, ``_ext/`` copied over), a notebook page with:

* a figure whose cell carries alt text in its metadata, set by ``tools/set_alt_text.py``,
  and a figure without, to prove how myst-nb 1.4 turns the metadata into ``alt``;
* the three animation players of :mod:`convcourse.plot.animations`, stored as a
  notebook stores them (``text/html`` and ``text/plain``).

It is built with ``jupyter-book build`` (warnings as errors) and opened in chromium:
the players play with no console error and no request off the site, and axe-core
finds nothing to report in either colour mode.
"""

from __future__ import annotations

import base64
import io
import shutil

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from browsing import Visit, axe_violations_in_each_mode, check_player, images, serve

from convcourse.plot import animate_backward, animate_im2col, animate_windows
from tools import bookbuild
from tools.set_alt_text import alt_text_problem, set_alt_text

pytestmark = [pytest.mark.browser, pytest.mark.book]

ALT = "A rising straight line from the lower left to the upper right corner"
X5 = np.arange(25).reshape(5, 5) % 7 - 3
K3 = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
PLAYERS = {  # interval 100 ms, so that playing is quick to test
    "windows": lambda: animate_windows(X5, K3, stride=2, padding=1, interval=100),
    "backward": lambda: animate_backward(X5[:3, :3], K3, (5, 5), stride=2, padding=1,
                                         interval=100),
    "im2col": lambda: animate_im2col(np.arange(16).reshape(4, 4), 2, interval=100),
}


def _figure_output() -> nbformat.NotebookNode:
    figure, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=40)
    plt.close(figure)
    data = {"image/png": base64.b64encode(buffer.getvalue()).decode(),
            "text/plain": "<Figure size 200x150 with 1 Axes>"}
    return nbformat.v4.new_output("display_data", data=data)


def _notebook() -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# Players and figures")]
    for name in ("with_alt", "without_alt"):
        cell = nbformat.v4.new_code_cell(f"# {name}\nplt.plot([0, 1], [0, 1])\nplt.show()",
                                         execution_count=1)
        cell.id = name
        cell.outputs = [_figure_output()]
        cells.append(cell)
    for name, make in PLAYERS.items():
        player = make()
        cell = nbformat.v4.new_code_cell(f"animate_{name}(...)", execution_count=1)
        cell.id = f"player-{name}"
        cell.outputs = [nbformat.v4.new_output(
            "execute_result", data={"text/html": player._repr_html_(),
                                    "text/plain": repr(player)}, execution_count=1)]
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                       "name": "python3"}
    set_alt_text(notebook, {"with_alt": ALT})  # what phase 2 does to the chapters
    return notebook


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    """The small book, built and served; yields its base URL."""
    root = tmp_path_factory.mktemp("fixture-book")
    shutil.copy(bookbuild.ROOT / "_config.yml", root)
    for folder in ("_static", "_templates", "_ext"):
        shutil.copytree(bookbuild.ROOT / folder, root / folder)
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n  - file: players\n")
    (root / "index.md").write_text("# A test book\n\nA page to start from.\n")
    nbformat.write(_notebook(), root / "players.ipynb")
    result = bookbuild.run(root)
    assert result.returncode == 0 and result.warnings == [], result.log[-3000:]
    with serve(root / "_build" / "html") as base_url:
        yield base_url


@pytest.fixture
def players_page(browser, fixture_site):
    v = Visit(browser, fixture_site)
    page = v.open("players.html")
    page.wait_for_load_state("networkidle")
    yield v, page
    v.close()


def test_myst_nb_takes_alt_text_from_the_cell_metadata(players_page):
    v, page = players_page
    figures = [image for image in images(page) if "_images/" in image["src"]]
    assert [image["alt"] for image in figures[:1]] == [ALT]
    # Without metadata, Sphinx falls back to the file name: what the test rejects.
    assert alt_text_problem(figures[1]["alt"]) == "is a file name"
    players = [image for image in images(page) if image["src"].startswith("data:")]
    assert len(players) == 3
    assert all(alt_text_problem(image["alt"]) is None for image in players)


def test_players_play_in_the_page(players_page):
    v, page = players_page
    players = page.locator("div.cc-player")
    assert players.count() == len(PLAYERS)
    for i in range(players.count()):
        check_player(page, players.nth(i))
    assert v.problems == [], "\n".join(v.problems)


def test_players_pass_axe_in_both_modes(players_page):
    v, page = players_page
    violations = axe_violations_in_each_mode(page)
    # The figure without alt text is there on purpose; axe accepts a file name as alt.
    assert violations == [], "\n".join(violations)
    assert v.problems == [], "\n".join(v.problems)
