"""tools/bookbuild.py shares one build between the processes of a test run."""

from __future__ import annotations

import threading
import time

import pytest

from tools import bookbuild


@pytest.fixture
def fake_book(tmp_path, monkeypatch):
    """bookbuild pointed at an empty folder, with a build that takes a moment and
    counts how often it runs."""
    build_dir = tmp_path / "_build"
    monkeypatch.setattr(bookbuild, "BUILD_DIR", build_dir)
    monkeypatch.setattr(bookbuild, "HTML_DIR", build_dir / "html")
    monkeypatch.setattr(bookbuild, "RECORD", build_dir / "convcourse-build.json")
    monkeypatch.setattr(bookbuild, "LOCK", build_dir / "convcourse-build.lock")
    monkeypatch.setattr(bookbuild, "sources", lambda: [])
    builds = []

    def slow_build(root):
        builds.append(root)
        time.sleep(0.3)
        (build_dir / "html").mkdir(parents=True, exist_ok=True)
        (build_dir / "html" / "index.html").write_text("<html></html>")
        return bookbuild.BuildResult(0, "built", 0.3, reused=False)

    monkeypatch.setattr(bookbuild, "run", slow_build)
    return builds


def _build_in_two_threads() -> list[bookbuild.BuildResult]:
    results = []
    threads = [threading.Thread(target=lambda: results.append(bookbuild.build.__wrapped__()))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_workers_of_one_run_build_once_even_when_a_rebuild_is_forced(fake_book, monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "run-1")
    monkeypatch.setenv("CONVCOURSE_REBUILD", "1")
    results = _build_in_two_threads()
    assert len(fake_book) == 1
    assert sorted(r.reused for r in results) == [False, True]
    assert all(r.returncode == 0 for r in results)


def test_a_new_run_rebuilds_when_asked_and_reuses_otherwise(fake_book, monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "run-1")
    monkeypatch.delenv("CONVCOURSE_REBUILD", raising=False)
    bookbuild.build.__wrapped__()
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "run-2")
    assert bookbuild.build.__wrapped__().reused
    assert len(fake_book) == 1
    monkeypatch.setenv("CONVCOURSE_REBUILD", "1")
    assert not bookbuild.build.__wrapped__().reused
    assert len(fake_book) == 2
