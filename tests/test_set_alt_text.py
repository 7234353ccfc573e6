"""Tests of ``tools/set_alt_text.py``: what counts as alt text, and setting it in a notebook.

That myst-nb turns the metadata into the ``alt`` of the ``<img>`` on the website is
checked on a real build in ``tests/test_website_fixture.py``.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools.set_alt_text import (
    alt_text_problem,
    find_cell,
    image_count,
    missing_alt_text,
    set_alt_text,
)

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "set_alt_text.py"
# The smallest PNG there is (1x1 pixel): an image output as a notebook stores it.
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)).decode()
GOOD = "The kernel's window at two positions of a padded 4 by 4 input"


@pytest.mark.parametrize(
    ("alt", "problem"),
    [
        (None, "has no alt attribute"),
        ("", "is empty"),
        ("   ", "is empty"),
        ("../_images/19b4e2ab03c1e0f6ec984.png", "is a file name"),
        ("figure.SVG", "is a file name"),
        ("a figure in _images/ somewhere", "is a file name"),
        ("19b4e2ab03c1e0f6ec984a", "is a hash"),
        ("Plot 3f2a9c0d1e4b5a6c7d8e of the data", "is a hash"),
        ("figure", "has 1 word, fewer than 4"),
        ("a weight plot", "has 3 words, fewer than 4"),
        (GOOD, None),
        ("Four words say enough.", None),
    ],
)
def test_alt_text_problem(alt, problem):
    assert alt_text_problem(alt) == problem


def _image_output() -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"image/png": PNG,
                                                         "text/plain": "<Figure>"})


def _notebook() -> nbformat.NotebookNode:
    figure = nbformat.v4.new_code_cell("plot_windows(4, 4, kernel_size=3)\nplt.show()")
    figure.id = "fig1"
    figure.outputs = [_image_output()]
    two = nbformat.v4.new_code_cell("plot_images(a)\nplot_images(b)")
    two.id = "fig2"
    two.outputs = [_image_output(), _image_output()]
    two.metadata["mystnb"] = {"figure": {"name": "kept"}}
    text = nbformat.v4.new_code_cell("print(plot_windows)")
    text.id = "text"
    text.outputs = [nbformat.v4.new_output("stream", text="plot_windows\n")]
    note = nbformat.v4.new_markdown_cell("plot_windows draws the windows")
    note.id = "note"
    return nbformat.v4.new_notebook(cells=[note, figure, two, text])


def test_cells_are_found_by_id_or_by_a_unique_piece_of_code():
    notebook = _notebook()
    assert find_cell(notebook, "fig2").id == "fig2"
    assert find_cell(notebook, "kernel_size=3").id == "fig1"
    assert find_cell(notebook, "note").id == "note"  # an id may name any cell
    with pytest.raises(KeyError, match=r"'plot_windows': 2 code cells with that id or"):
        find_cell(notebook, "plot_windows")
    with pytest.raises(KeyError, match=r"'nowhere': no cell with that id or containing"):
        find_cell(notebook, "nowhere")


def test_alt_text_goes_where_myst_nb_reads_it():
    notebook = _notebook()
    assert [cell.id for cell in missing_alt_text(notebook)] == ["fig1", "fig2"]
    changed = set_alt_text(notebook, {"fig1": f"  {GOOD} ", "plot_images(b)": "Two images "
                                      "side by side, before and after"})
    assert changed == ["fig1", "fig2"]
    assert notebook.cells[1].metadata == {"mystnb": {"image": {"alt": GOOD}}}
    assert notebook.cells[2].metadata["mystnb"] == {
        "figure": {"name": "kept"},  # other myst-nb options stay
        "image": {"alt": "Two images side by side, before and after"},
    }
    assert missing_alt_text(notebook) == []
    assert image_count(notebook.cells[2]) == 2


@pytest.mark.parametrize(
    ("mapping", "error", "match"),
    [
        ({"fig1": "a plot"}, ValueError, r"^alt text for 'fig1' has 2 words, fewer than 4"),
        ({"fig1": None}, ValueError, r"^alt text for 'fig1' has no alt attribute"),
        ({"text": GOOD}, ValueError, r"^cell 'text' \('text'\) has no image output$"),
        ({"nowhere": GOOD}, KeyError, r"no cell with that id"),
    ],
)
def test_bad_alt_text_or_cell_is_refused(mapping, error, match):
    notebook = _notebook()
    with pytest.raises(error, match=match):
        set_alt_text(notebook, mapping)
    assert "mystnb" not in notebook.cells[1].metadata


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True,
                          text=True, cwd=ROOT)


def test_command_line_sets_alt_text_and_keeps_the_rest(tmp_path):
    path = tmp_path / "chapter.ipynb"
    nbformat.write(_notebook(), path)
    before = nbformat.read(path, as_version=4)
    assert _run("--missing", str(path)).returncode == 1
    mapping = tmp_path / "alt.yml"
    mapping.write_text(f"fig1: {GOOD}\nfig2: Two images side by side, before and after\n")
    result = _run(str(path), str(mapping))
    assert result.returncode == 0, result.stderr
    assert "alt text set on 2 cell(s): fig1, fig2" in result.stdout
    assert "note: cell fig2 shows 2 images; they share this alt text" in result.stdout
    after = nbformat.read(path, as_version=4)
    for old, new in zip(before.cells, after.cells, strict=True):
        assert (old.source, old.get("outputs")) == (new.source, new.get("outputs"))
    assert after.cells[1].metadata.mystnb.image.alt == GOOD
    missing = _run("--missing", str(path))
    assert (missing.returncode, missing.stdout) == (0, "")


def test_command_line_reports_a_bad_mapping_and_leaves_the_notebook(tmp_path):
    path = tmp_path / "chapter.ipynb"
    nbformat.write(_notebook(), path)
    text = path.read_text()
    mapping = tmp_path / "alt.json"
    mapping.write_text('{"fig1": "too short"}')
    result = _run(str(path), str(mapping))
    assert result.returncode == 1
    assert "alt text for 'fig1' has 2 words, fewer than 4" in result.stderr
    assert path.read_text() == text
    assert _run(str(path)).returncode == 2  # usage
