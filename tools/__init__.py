"""The scripts behind the make targets, and the book build that the tests share.

``execute_chapters.py`` (``make execute``) and ``assign.py`` (``make assignments``) run
as scripts, ``python tools/NAME.py``. Tests import them as ``tools.NAME``: pytest puts
the repository root on ``sys.path`` (``pythonpath`` in ``pyproject.toml``).
"""
