"""Put the extensions' assets in place before the pages are written, not after.

Sphinx appends ``?v=<checksum>`` to every stylesheet and script a page links to,
hashing the file already in the output folder when the page is written. It copies its
own and the theme's files just before writing, but four steps run only when the build
has finished: myst-nb, sphinx-exercise and sphinx-mathjax-offline copy their files, and
pydata-sphinx-theme rewrites ``pygments.css`` with its light and dark colours. On a
fresh build those links therefore got no checksum (or the checksum of the file about to
be replaced), and after one of the files changed, the checksum of the previous one. A
page's HTML depended on what the build before it had left, and the cached browser
passes (``tools/testcache.py``, keyed on the page) rarely hit.

This extension runs the four steps once more, when the first page is about to be
written (each is idempotent and still runs at the end as before), so that every link
carries the checksum of the file it loads, from the first build on
(``tests/test_book.py`` checks it).
"""

from __future__ import annotations

import importlib
from typing import Any

#: (extension, module, the build-finished handler that writes the extension's assets).
FINAL_STEPS = [
    ("myst_nb", "myst_nb.sphinx_ext", "add_global_html_resources"),
    ("sphinx_exercise", "sphinx_exercise", "copy_asset_files"),
    ("sphinx-mathjax-offline", "sphinx-mathjax-offline", "copy_mathjax_files"),
    ("pydata_sphinx_theme", "pydata_sphinx_theme.pygments", "overwrite_pygments_css"),
]


def _run_final_steps_early(app: Any, *page: Any) -> None:
    builder = app.builder
    if getattr(builder, "convcourse_assets_ready", False):
        return
    for extension, module, handler in FINAL_STEPS:
        if extension in app.extensions:
            getattr(importlib.import_module(module), handler)(app, None)
    builder.convcourse_assets_ready = True


def setup(app: Any) -> dict[str, Any]:
    # Before dedupe_scripts and the theme's own page handlers; the links are written
    # after every handler has run, when the template is rendered.
    app.connect("html-page-context", _run_final_steps_early, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
