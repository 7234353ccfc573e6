"""tools/testcache.py: a check is skipped only when every input it reads is unchanged.

Each test records a pass, changes ONE input, and asserts that the check must run again;
then it restores the input and asserts the pass is found again (so that it is the
change, not a broken lookup, that makes the check run).
"""

from __future__ import annotations

from pathlib import Path

import browsing
import pytest

from tools import testcache


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository of its own for the cache: locked requirements, a package, a book."""
    monkeypatch.setattr(testcache, "ROOT", tmp_path)
    monkeypatch.setattr(testcache, "CACHE_DIR", tmp_path / "_build" / "test-cache")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv(testcache.SWITCH, raising=False)
    monkeypatch.setattr(testcache, "installed_distributions",
                        lambda: ["axe-playwright-python==0.1.8", "nbval==0.11.0"])
    for name in testcache.LOCKED:
        (tmp_path / name).write_text(f"# {name}\nnumpy==2.3.5\n")
    (tmp_path / "convcourse" / "plot").mkdir(parents=True)
    (tmp_path / "convcourse" / "naive.py").write_text("def conv(): ...\n")
    (tmp_path / "convcourse" / "plot" / "style.py").write_text("COLOR = 'blue'\n")
    (tmp_path / "conftest.py").write_text("# root conftest\n")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "01-a.ipynb").write_text('{"cells": []}')
    (tmp_path / "sanitize.cfg").write_text("[addresses]\nregex: 0x[0-9a-f]+\n")
    html = tmp_path / "_build" / "html"
    (html / "_static").mkdir(parents=True)
    (html / "chapters").mkdir()
    (html / "chapters" / "01-a.html").write_text("<html>chapter</html>")
    (html / "_static" / "theme.css").write_text("body { color: black }")
    (html / "_static" / "player.js").write_text("play();")
    (tmp_path / "test_website.py").write_text("def test_page(): ...\n")
    testcache.environment.cache_clear()
    yield tmp_path
    testcache.environment.cache_clear()


OPTIONS = {"nbval": "True", "nbval_lax": "False"}


def nbval_check(repo: Path, options=OPTIONS) -> testcache.Check:
    return testcache.notebook_check(repo / "chapters" / "01-a.ipynb", options,
                                    repo / "sanitize.cfg")


def page_check(repo: Path) -> testcache.Check:
    check = browsing.page_check("test_page_passes_axe", "chapters/01-a.html",
                                repo / "_build" / "html", [repo / "test_website.py"])
    return check


def record_page(repo: Path) -> None:
    check = page_check(repo)
    html = repo / "_build" / "html"
    check.found = [html / "chapters" / "01-a.html", html / "_static" / "theme.css",
                   html / "_static" / "player.js"]
    check.record()


def must_run_again(repo, make_check, change, restore) -> None:
    assert make_check(repo).cached_pass() is not None, "the recorded pass is not found"
    change()
    testcache.environment.cache_clear()
    assert make_check(repo).cached_pass() is None, "a changed input did not run it again"
    restore()
    testcache.environment.cache_clear()
    assert make_check(repo).cached_pass() is not None, "the restored inputs are not found"


def edit(path: Path, text: str = "\n# edited"):
    """(change, restore) that append to a file and put it back."""
    before = path.read_bytes()
    return (lambda: path.write_bytes(before + text.encode()),
            lambda: path.write_bytes(before))


def test_a_pass_is_reported_as_a_cached_pass_on_identical_inputs(repo):
    check = nbval_check(repo)
    assert check.cached_pass() is None
    check.record()
    reason = nbval_check(repo).cached_pass()
    assert reason.startswith("cached pass: nbval chapters/01-a.ipynb passed here on ")
    assert "identical inputs" in reason and f"{testcache.SWITCH}=0 runs it again" in reason


@pytest.mark.parametrize("changed", [
    "chapters/01-a.ipynb", "convcourse/naive.py", "convcourse/plot/style.py",
    "sanitize.cfg", "conftest.py", *testcache.LOCKED])
def test_nbval_runs_again_when_a_file_it_reads_changes(repo, changed):
    nbval_check(repo).record()
    must_run_again(repo, nbval_check, *edit(repo / changed))


def test_nbval_runs_again_when_a_file_joins_the_package(repo):
    nbval_check(repo).record()
    new = repo / "convcourse" / "transposed.py"
    must_run_again(repo, nbval_check, lambda: new.write_text("x = 1\n"), new.unlink)


def test_nbval_runs_again_when_its_options_or_a_package_version_change(repo, monkeypatch):
    nbval_check(repo).record()
    lax = {**OPTIONS, "nbval_lax": "True"}
    assert nbval_check(repo, lax).cached_pass() is None
    newer = ["axe-playwright-python==0.1.8", "nbval==0.11.1"]
    must_run_again(repo, nbval_check,
                   lambda: monkeypatch.setattr(testcache, "installed_distributions",
                                               lambda: newer),
                   lambda: monkeypatch.setattr(testcache, "installed_distributions",
                                               lambda: newer[:1] + ["nbval==0.11.0"]))


def test_nbval_runs_again_when_the_kernel_would_import_another_tree(repo, monkeypatch):
    nbval_check(repo).record()
    old = testcache.os.environ.get("PYTHONPATH")

    def restore():
        if old is None:
            monkeypatch.delenv("PYTHONPATH")
        else:
            monkeypatch.setenv("PYTHONPATH", old)

    must_run_again(repo, nbval_check,
                   lambda: monkeypatch.setenv("PYTHONPATH", "/somewhere/else"), restore)


@pytest.mark.parametrize("changed", [
    "_build/html/chapters/01-a.html",  # the page
    "_build/html/_static/theme.css",  # a stylesheet it loads
    "_build/html/_static/player.js",  # a script it loads
    "test_website.py",  # the test's code
    "requirements-test.txt",  # the locked requirements
])
def test_a_page_is_audited_again_when_a_file_it_reads_changes(repo, changed):
    record_page(repo)
    must_run_again(repo, page_check, *edit(repo / changed, "/* edited */"))


def test_a_page_is_audited_again_with_another_auditing_library_or_browser(repo, monkeypatch):
    record_page(repo)
    newer = ["axe-playwright-python==0.1.9", "nbval==0.11.0"]
    older = ["axe-playwright-python==0.1.8", "nbval==0.11.0"]
    must_run_again(repo, page_check,
                   lambda: monkeypatch.setattr(testcache, "installed_distributions",
                                               lambda: newer),
                   lambda: monkeypatch.setattr(testcache, "installed_distributions",
                                               lambda: older))
    identity = browsing.browser_identity()
    must_run_again(repo, page_check,
                   lambda: monkeypatch.setattr(browsing, "browser_identity",
                                               lambda: identity + " upgraded"),
                   lambda: monkeypatch.setattr(browsing, "browser_identity", lambda: identity))


def test_a_file_the_page_stops_finding_runs_it_again(repo):
    record_page(repo)
    css = repo / "_build" / "html" / "_static" / "theme.css"
    text = css.read_text()
    must_run_again(repo, page_check, css.unlink, lambda: css.write_text(text))


@pytest.mark.parametrize(("variable", "value"), [("CI", "true"), (testcache.SWITCH, "0")])
def test_the_cache_is_off_under_ci_or_when_switched_off(repo, monkeypatch, variable, value):
    nbval_check(repo).record()
    monkeypatch.setenv(variable, value)
    assert not testcache.enabled()
    assert nbval_check(repo).cached_pass() is None
    monkeypatch.delenv(variable)
    (repo / "chapters" / "01-a.ipynb").write_text('{"cells": [1]}')
    monkeypatch.setenv(variable, value)
    nbval_check(repo).record()  # not recorded: it is off
    monkeypatch.delenv(variable)
    assert nbval_check(repo).cached_pass() is None


def test_a_damaged_record_runs_the_check(repo):
    check = nbval_check(repo)
    check.record()
    record = next(testcache.CACHE_DIR.glob("*.json"))
    record.write_text("{not json")
    assert nbval_check(repo).cached_pass() is None
