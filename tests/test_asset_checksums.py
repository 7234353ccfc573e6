"""A first build of the book and a rebuild write the same pages (_ext/asset_checksums.py).

Sphinx links an asset with a checksum (``?v=``) only when the file is already in the
output; three extensions copied theirs at the end of the build, so a first build's
pages linked them without one and a rebuild's with one. A small book in the course's
configuration, with math (MathJax), an exercise and a notebook (myst-nb), is built twice.
"""

from __future__ import annotations

import re
import shutil

import nbformat
import pytest

from tools import bookbuild

pytestmark = pytest.mark.book

PAGE = """# A page

Some math, $a^2 + b^2 = c^2$, for MathJax.

```{exercise} A question
:label: ex-question

What is $1 + 1$?
```
"""


def _pages(html) -> dict[str, bytes]:
    return {str(p.relative_to(html)): p.read_bytes() for p in sorted(html.rglob("*.html"))}


def test_a_rebuild_writes_the_pages_of_the_first_build_byte_for_byte(tmp_path):
    shutil.copy(bookbuild.ROOT / "_config.yml", tmp_path)
    for folder in ("_static", "_templates", "_ext"):
        shutil.copytree(bookbuild.ROOT / folder, tmp_path / folder)
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n  - file: notebook\n")
    (tmp_path / "index.md").write_text(PAGE)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A notebook"),
                                               nbformat.v4.new_code_cell("1 + 1")])
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                       "name": "python3"}
    nbformat.write(notebook, tmp_path / "notebook.ipynb")
    html = tmp_path / "_build" / "html"

    first = bookbuild.run(tmp_path)
    assert first.returncode == 0 and first.warnings == [], first.log[-3000:]
    pages = _pages(html)
    second = bookbuild.run(tmp_path)
    assert second.returncode == 0 and second.warnings == [], second.log[-3000:]
    assert _pages(html) == pages

    index = pages["index.html"].decode()
    for asset in ("mystnb.", "exercise.css", "mathjax/tex-chtml.js"):
        links = re.findall(rf'(?:href|src)="_static/({re.escape(asset)}[^"]*)"', index)
        assert links and all(re.search(r"\?v=[0-9a-f]{8}$", link) for link in links), asset
