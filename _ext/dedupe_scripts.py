"""Emit each ``<script>`` of a page once.

sphinx-thebe and sphinx-togglebutton register inline scripts from the
``env-before-read-docs`` event, after the HTML builder exists, so Sphinx 7 hands
the builder each of them twice (once as ``filename=None``, once as ``filename=''``;
its own de-duplication compares the two as different). The repeated
``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has already been
declared" on every page. This extension drops the repeats when a page is written:
a script file is identified by its file name, an inline script by its body, and the
first copy is kept so the order is unchanged.
"""

from __future__ import annotations

from typing import Any


def _identity(script: Any) -> tuple[str, str]:
    filename = getattr(script, "filename", None)
    if filename:
        return ("file", str(filename))
    return ("inline", str(getattr(script, "attributes", {}).get("body", "")))


def _drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, str]] = set()
    unique = []
    for script in scripts:
        identity = _identity(script)
        if identity not in seen:
            seen.add(identity)
            unique.append(script)
    context["script_files"] = unique


def setup(app) -> dict[str, bool]:
    app.connect("html-page-context", _drop_repeated_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
