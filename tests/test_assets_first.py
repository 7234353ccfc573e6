"""``_ext/assets_first.py``: each asset link carries its file's checksum from the first build."""

from __future__ import annotations

import re
import shutil
import zlib
from pathlib import Path

import pytest

from tools import bookbuild

pytestmark = pytest.mark.book


_ASSET_LINK = re.compile(
    r'<(?:link rel="stylesheet"[^>]*href|script[^>]*src)="(?P<path>[^"?:]+)(?:\?v=(?P<v>\w+))?"')


def _asset_links(page: Path) -> dict[str, str | None]:
    """Each local stylesheet and script a page links to → the ``?v=`` checksum it carries."""
    return {match["path"]: match["v"] for match in _ASSET_LINK.finditer(page.read_text())}


def _checksum(file: Path) -> str:
    """Sphinx's asset checksum (``sphinx.builders.html._assets._file_checksum``)."""
    content = file.read_bytes().replace(b"\r", b"")
    return f"{zlib.crc32(content):08x}"


def test_asset_checksums_are_those_of_the_files_from_the_first_build(tmp_path):
    """A page's links carry the checksum of the file they load, on a fresh build too.

    Sphinx hashes the copy already in the output folder; without ``_ext/assets_first.py``
    the extensions' assets (copied when the build ends) had none on a first build and the
    previous file's after an edit, so a page's HTML depended on the build before it.
    """
    shutil.copy(bookbuild.ROOT / "_config.yml", tmp_path)
    for folder in ("_static", "_templates", "_ext"):
        shutil.copytree(bookbuild.ROOT / folder, tmp_path / folder)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    (tmp_path / "index.md").write_text("# A test book\n\nSome mathematics: $x^2$.\n")
    html = tmp_path / "_build" / "html"

    first = bookbuild.run(tmp_path)
    assert first.returncode == 0 and first.warnings == [], first.log[-3000:]
    links = _asset_links(html / "index.html")
    # The extensions' assets, which used to be copied only after the pages were written
    # (a few links, such as the theme's searchtools.js, never carry a checksum).
    for asset in ("exercise.css", "mystnb.", "mathjax/tex-chtml.js", "pygments.css"):
        linked = [path for path in links if asset in path]
        assert linked and all(links[path] for path in linked), f"{asset} in {links}"
    for path, checksum in links.items():
        if checksum is not None:
            assert checksum == _checksum(html / path), f"{path} on a fresh build"

    stylesheet = next(tmp_path.glob("_static/*.css"))
    stylesheet.write_text(stylesheet.read_text() + "\n/* edited */\n")
    second = bookbuild.run(tmp_path)
    assert second.returncode == 0, second.log[-3000:]
    relinked = _asset_links(html / "index.html")
    edited = f"_static/{stylesheet.name}"
    assert relinked[edited] == _checksum(stylesheet) != links[edited]
    assert {p: v for p, v in relinked.items() if p != edited} == {
        p: v for p, v in links.items() if p != edited}
