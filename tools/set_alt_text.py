"""Give the figures of a chapter alt text, in the cell metadata myst-nb reads.

On the website a figure is an ``<img>`` whose ``alt`` attribute is what a screen reader
says instead of the picture. myst-nb (1.4) writes a code cell's image outputs with the
options in the cell's metadata under ``mystnb.image`` (its ``render_image_options``,
"cell_key" ``image``), ``alt`` among them::

    "metadata": {"mystnb": {"image": {"alt": "The kernel's window at two positions ..."}}}

Every image output of that cell gets that alt text (``mystnb.figure`` takes a caption
and a name, but no alt): a cell that shows two figures gives both the same alt text, so
describe both in it, or split the cell. Without it Sphinx falls back to the image's file name,
``../_images/<sha256>.png``: a hash read aloud.

Usage::

    python tools/set_alt_text.py NOTEBOOK MAPPING.yml   # set alt text, save the notebook
    python tools/set_alt_text.py --missing NOTEBOOK...  # list figure cells without it

``MAPPING.yml`` (YAML or JSON) maps a cell to its alt text; the cell is named by its id
or by a piece of its source that no other code cell contains::

    fd4e8b21: A 4 by 4 input padded with one ring of zeros ...
    "plot_channel_connections(4, 6, groups=2": Four input channels ...

Only the metadata changes (outputs are kept, nothing is executed), so nbval still
passes. Alt text that :func:`alt_text_problem` rejects is refused, as is a cell
without an image output: the website test (``tests/test_website.py``) would reject
the first, and the second is a mistake.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

#: Alt text shorter than this many words does not say what a figure shows.
MIN_ALT_WORDS = 4

#: Output types that become an ``<img>`` on the website.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")

_FILE_NAME = re.compile(r"(_images/|\.(png|svg|jpe?g|gif|webp)$)", re.IGNORECASE)
_HASH = re.compile(r"\b[0-9a-f]{16,}\b", re.IGNORECASE)


def alt_text_problem(alt: str | None) -> str | None:
    """What is wrong with an image's alt text, or ``None`` if it says what it shows.

    Rejected: no alt attribute, empty alt text, a file name or path (contains
    ``_images/`` or ends in an image suffix), a hash (16 or more hexadecimal digits in
    a row), or fewer than :data:`MIN_ALT_WORDS` words.

    >>> alt_text_problem("../_images/19b4e2ab03c1e0f6ec984.png")
    'is a file name'
    >>> alt_text_problem("a plot") is None
    False
    >>> alt_text_problem("The kernel sliding over a padded 5 by 5 input") is None
    True
    """
    if alt is None:
        return "has no alt attribute"
    text = alt.strip()
    if not text:
        return "is empty"
    if _FILE_NAME.search(text):
        return "is a file name"
    if _HASH.search(text):
        return "is a hash"
    words = len(text.split())
    if words < MIN_ALT_WORDS:
        return f"has {words} word{'s' if words != 1 else ''}, fewer than {MIN_ALT_WORDS}"
    return None


USAGE = """\
usage: python tools/set_alt_text.py NOTEBOOK MAPPING.yml   (set alt text, save NOTEBOOK)
       python tools/set_alt_text.py --missing NOTEBOOK...  (list figures without alt text)"""


def image_count(cell: nbformat.NotebookNode) -> int:
    """How many outputs of ``cell`` become an ``<img>`` on the website."""
    return sum(
        any(kind in output.get("data", {}) for kind in IMAGE_TYPES)
        for output in cell.get("outputs", [])
    )


def _has_image(cell: nbformat.NotebookNode) -> bool:
    return image_count(cell) > 0


def find_cell(notebook: nbformat.NotebookNode, key: str) -> nbformat.NotebookNode:
    """The cell whose id is ``key``, or else the one code cell whose source contains it.

    Raises
    ------
    KeyError
        If no cell matches, or several code cells contain ``key``.
    """
    for cell in notebook.cells:
        if cell.get("id") == key:
            return cell
    matches = [c for c in notebook.cells if c.cell_type == "code" and key in c.source]
    if len(matches) != 1:
        found = "no cell" if not matches else f"{len(matches)} code cells"
        raise KeyError(f"{key!r}: {found} with that id or containing it in its source")
    return matches[0]


def set_alt_text(notebook: nbformat.NotebookNode, mapping: dict[str, str]) -> list[str]:
    """Set ``mystnb.image.alt`` of each cell named in ``mapping``; return their ids.

    Raises
    ------
    KeyError
        For a key that names no cell, or several.
    ValueError
        For alt text that :func:`alt_text_problem` rejects, or a cell without an
        image output.
    """
    changed = []
    for key, alt in mapping.items():
        cell = find_cell(notebook, str(key))
        problem = alt_text_problem(alt if isinstance(alt, str) else None)
        if problem:
            raise ValueError(f"alt text for {key!r} {problem}: {alt!r}")
        if not _has_image(cell):
            raise ValueError(f"cell {cell.get('id')!r} ({key!r}) has no image output")
        mystnb = cell.metadata.setdefault("mystnb", {})
        mystnb.setdefault("image", {})["alt"] = alt.strip()
        changed.append(cell.get("id"))
    return changed


def missing_alt_text(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The code cells with an image output but no acceptable ``mystnb.image.alt``."""
    return [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code"
        and _has_image(cell)
        and alt_text_problem(cell.metadata.get("mystnb", {}).get("image", {}).get("alt"))
    ]


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "--missing":
        missing = 0
        for path in argv[1:]:
            for cell in missing_alt_text(nbformat.read(path, as_version=4)):
                first_line = cell.source.splitlines()[0] if cell.source else ""
                print(f"{path}: cell {cell.get('id')}: {first_line}")
                missing += 1
        return 1 if missing else 0
    if len(argv) != 2:
        print(USAGE, file=sys.stderr)
        return 2
    path, mapping_path = Path(argv[0]), Path(argv[1])
    mapping = yaml.safe_load(mapping_path.read_text(encoding="utf-8"))
    if not isinstance(mapping, dict):
        print(f"{mapping_path} must map cells to alt text", file=sys.stderr)
        return 2
    notebook = nbformat.read(path, as_version=4)
    try:
        changed = set_alt_text(notebook, mapping)
    except (KeyError, ValueError) as error:
        print(f"{path}: {error.args[0]}", file=sys.stderr)
        return 1
    nbformat.write(notebook, path)
    print(f"{path}: alt text set on {len(changed)} cell(s): {', '.join(changed)}")
    for key in mapping:
        cell = find_cell(notebook, str(key))
        if image_count(cell) > 1:
            print(f"note: cell {cell.get('id')} shows {image_count(cell)} images; they share "
                  f"this alt text (split the cell to give each its own)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
