"""Give every page the same asset links on a first build as on a rebuild.

Sphinx links a stylesheet or script with a checksum of the file (``exercise.css?v=982b99e0``)
when the file is already in the output as the page is written. Three extensions copy
their files only once the build has finished (``build-finished``): myst-nb's
``mystnb.<hash>.css``, sphinx-exercise's ``exercise.css``, and sphinx-mathjax-offline's
MathJax. So a first build links them without a checksum and every rebuild with one, and
the pages of two builds of the same sources differ: a cache keyed on the page
(``tools/testcache.py``) would miss after every first build. This extension runs those
three copies once more when writing starts, before any page is written, so that every
build finds the files and links them alike. The copies are the extensions' own
handlers, called with the arguments of a successful build, and they write the same
files again at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The ``build-finished`` handlers that only copy static files into the output, by
#: (module, function name).
ASSET_COPIERS = frozenset({
    ("myst_nb.sphinx_ext", "add_global_html_resources"),
    ("sphinx_exercise", "copy_asset_files"),
    ("sphinx-mathjax-offline", "copy_mathjax_files"),
})


def copy_assets_early(app: Any, builder: Any = None) -> list[str]:
    """Run every ``build-finished`` handler of :data:`ASSET_COPIERS` now; returns the
    ``module.function`` of each one run."""
    ran: list[str] = []
    if builder is not None and getattr(builder, "format", "html") != "html":
        return ran
    Path(app.outdir, "_static").mkdir(parents=True, exist_ok=True)  # a first build's
    for listener in app.events.listeners.get("build-finished", []):
        handler = listener.handler
        key = (getattr(handler, "__module__", ""), getattr(handler, "__name__", ""))
        if key in ASSET_COPIERS:
            handler(app, None)
            ran.append(".".join(key))
    return ran


def setup(app: Any) -> dict[str, bool]:
    app.connect("write-started", copy_assets_early)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
