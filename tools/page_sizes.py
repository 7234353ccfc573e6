"""What each page of the built website weighs: its HTML, its images, the data embedded in it.

Usage: ``python tools/page_sizes.py [_build/html]`` prints one row per page (those of
``_toc.yml`` and ``bookbuild.EXTRA_PAGES``) after a book build. The theme's scripts,
styles, fonts and MathJax are the same on every page and cached by the browser after
the first, so they are left out: a row is what that page adds.

* **html**: the page's HTML file, including what is embedded in it;
* **embedded**: the part of it that is ``data:`` URIs (the frames of an animation
  player, for instance);
* **images**: the files of the ``<img>`` elements the page shows (each counted once);
* **total**: html + images.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

if __package__ in (None, ""):  # run as a script: make `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools import bookbuild  # noqa: E402

_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+")


class _ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            source = dict(attrs).get("src")
            if source:
                self.sources.append(source)


@dataclass(frozen=True)
class PageSize:
    """The bytes one page adds to what a reader downloads (see the module docstring)."""

    page: str
    html: int
    embedded: int
    images: int

    @property
    def total(self) -> int:
        return self.html + self.images


def page_size(page: str, html_dir: Path = bookbuild.HTML_DIR) -> PageSize:
    """Measure one built page, ``page`` relative to ``html_dir`` (e.g. ``"intro.html"``)."""
    path = html_dir / page
    text = path.read_text(encoding="utf-8")
    parser = _ImageSources()
    parser.feed(text)
    files = set()
    for source in parser.sources:
        parts = urlsplit(source)
        if parts.scheme or parts.netloc:  # data: URIs are counted in the HTML
            continue
        files.add((path.parent / unquote(parts.path)).resolve())
    return PageSize(
        page=page,
        html=path.stat().st_size,
        embedded=sum(len(match) for match in _DATA_URI.findall(text)),
        images=sum(file.stat().st_size for file in files if file.is_file()),
    )


def report(sizes: list[PageSize]) -> str:
    """A table of the sizes in kB (1000 bytes), one row per page."""
    width = max(len(size.page) for size in sizes)
    lines = [f"{'page':<{width}}  {'html':>8}  {'embedded':>8}  {'images':>8}  {'total':>8}"]
    for size in sizes:
        lines.append(
            f"{size.page:<{width}}  {size.html / 1000:>6.0f}kB  {size.embedded / 1000:>6.0f}kB"
            f"  {size.images / 1000:>6.0f}kB  {size.total / 1000:>6.0f}kB"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    html_dir = Path(argv[0]) if argv else bookbuild.HTML_DIR
    if not (html_dir / "index.html").is_file():
        print(f"no website in {html_dir}: build the book first (make book)", file=sys.stderr)
        return 1
    pages = bookbuild.toc_pages() + bookbuild.EXTRA_PAGES
    print(report([page_size(page, html_dir) for page in pages]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
