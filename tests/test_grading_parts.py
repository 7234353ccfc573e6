"""The grader's parts, without running a submission: wire format, spec, submissions, report."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import nbformat
import numpy as np
import pytest

from tools import autograder_requirements, grade, tag_cells
from tools.grading import pool, referee, report, sandbox, student, submissions, wire
from tools.grading.spec import (
    GradingSpec,
    Question,
    build_spec,
    changed_files,
    defined_names,
    imported_modules,
    rebound_test_names,
    write_manifest,
)

# -- wire -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, float("inf"), 1 + 2j, "text", 10**30,
    (1, [2, (3.0,)], {"k": (4,)}), {(1, 2): "pair key"},
    np.arange(6.0).reshape(2, 3), np.array([1, 2], dtype=np.int8), np.float32(1.5),
    np.array(3.25), np.zeros((0, 4)),
])
def test_data_round_trips_with_its_type(value):
    back = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    else:
        assert back == value


def test_a_tensor_round_trips_as_a_tensor():
    torch = pytest.importorskip("torch")
    back = wire.decode(wire.encode(torch.arange(4.0)))
    assert isinstance(back, torch.Tensor) and back.tolist() == [0, 1, 2, 3]


def test_a_number_subclass_arrives_as_a_plain_number():
    class Liar(float):
        def __eq__(self, other):
            return True

        __hash__ = float.__hash__

    back = wire.decode(json.loads(json.dumps(wire.encode(Liar(2.0)))))
    assert type(back) is float and back != 3.0


def test_what_is_not_data_needs_a_handle():
    with pytest.raises(TypeError, match="cannot be sent to another process"):
        wire.encode(print)
    objects = []
    data = wire.encode([print, np.array([object()])], lambda v: objects.append(v) or 7)
    assert data == [{"$handle": 7, "type": "builtin_function_or_method"},
                    {"$handle": 7, "type": "ndarray"}]
    assert wire.decode(data, lambda handle, kind: (handle, kind)) == [
        (7, "builtin_function_or_method"), (7, "ndarray")]


@pytest.mark.parametrize("data", [
    {"$pickle": "gASV"}, {"$array": "not base64 npy"}, {"a": 1, "b": 2, "c": 3},
    {"$handle": 1}, {"$dict": [[[1], 2]]},
])
def test_decoding_refuses_what_encode_does_not_make(data):
    with pytest.raises(wire.ProtocolError):
        wire.decode(data)


def test_an_object_array_is_never_unpickled():
    import base64
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    data = {"$array": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(wire.ProtocolError, match="pickle"):
        wire.decode(data)  # np.load(allow_pickle=False): a pickle cannot run code here


def test_errors_cross_as_the_nearest_builtin_exception():
    class Mine(ValueError):
        pass

    data = wire.encode_error(Mine("bad groups"))
    with pytest.raises(ValueError, match="Mine: bad groups"):
        wire.raise_error(data)
    with pytest.raises(RuntimeError, match="SystemExit"):
        wire.raise_error(wire.encode_error(SystemExit(3)))


def test_messages_are_json_and_bounded():
    from multiprocessing import Pipe

    left, right = Pipe()
    wire.send(left, {"a": [1, 2]})
    assert wire.receive(right) == {"a": [1, 2]}
    left.send_bytes(b"x" * 100)
    with pytest.raises(wire.ProtocolError, match="length"):
        wire.receive(right, limit=50)
    left, right = Pipe()
    left.send_bytes(b"{nope")
    with pytest.raises(wire.ProtocolError, match="JSON"):
        wire.receive(right)
    left.close()
    with pytest.raises(wire.ChannelClosed):
        wire.receive(right)


# -- spec -------------------------------------------------------------------------------

def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_student_cells_are_the_cells_not_handed_out():
    spec = GradingSpec("ch", ["import numpy as np"], ["import numpy as np", "def f(x):\n    ..."],
                       [Question("q", ("f",), 2.0)])
    submission = _notebook("import numpy as np  ", "def f(x):\n    return x", "", "print(1)")
    submission.cells.insert(1, nbformat.v4.new_markdown_cell("def f(x):\n    return x"))
    assert spec.student_cells(submission) == [(3, "def f(x):\n    return x"), (5, "print(1)")]
    assert spec.names == ["f"] and spec.maximum == 2.0


def test_defined_and_imported_names():
    source = "import a.b as c\nfrom d import e\nx, (y, z) = 1, (2, 3)\nw: int = 4\ndef f(): pass"
    assert defined_names(source) == ["x", "y", "z", "w", "f"]
    # "from d import e": e may be a module of its own (from d2l import torch)
    assert imported_modules([source, "from . import rel\nimport a.b\nfrom g import *"]) == [
        "a.b", "d", "d.e", "g"]


def _chapter(*cells: tuple[str, str, list[str]]) -> nbformat.NotebookNode:
    make = {"code": nbformat.v4.new_code_cell, "raw": nbformat.v4.new_raw_cell,
            "markdown": nbformat.v4.new_markdown_cell}
    return nbformat.v4.new_notebook(cells=[
        make[kind](source, metadata={"tags": tags}) for kind, source, tags in cells])


def _question(name: str, solution: str, test: str) -> list[tuple[str, str, list[str]]]:
    return [("raw", f"# BEGIN QUESTION\nname: {name}", []), ("markdown", "Do it.", []),
            ("raw", "# BEGIN SOLUTION", []), ("code", solution, []),
            ("raw", "# END SOLUTION", []), ("raw", "# BEGIN TESTS", []),
            ("code", test, ["remove-cell"]), ("raw", "# END TESTS", []),
            ("raw", "# END QUESTION", [])]


def test_a_chapter_with_two_exercises():
    chapter = _chapter(
        ("code", "import numpy as np\nfrom convcourse import reference", ["grading-setup"]),
        ("code", "data = np.ones(3)", ["grading-setup"]),
        ("code", "plot(data)", []),
        *_question("ex-a", "def f(x):\n    return x + data", "assert f(data) is data"),
        *_question("ex-b", "class Layer:\n    pass\nSIZE = 3", "assert reference and SIZE"),
    )
    spec = build_spec("06-net", chapter, chapter)
    assert [(q.name, q.defines) for q in spec.questions] == [("ex-a", ("f",)),
                                                             ("ex-b", ("Layer", "SIZE"))]
    assert len(spec.setup) == 2 and spec.imports == ["numpy", "convcourse", "convcourse.reference"]
    assert spec.allowed == ["data"]  # what the solutions use from the setup (not reference)
    assert rebound_test_names(chapter) == []
    chapter.cells.insert(3, nbformat.v4.new_code_cell("reference = np.zeros(2)"))
    assert rebound_test_names(chapter) == ["reference"]
    for cell in chapter.cells:
        cell.metadata["tags"] = []
    with pytest.raises(ValueError, match="06-net: no code cell is tagged 'grading-setup'"):
        build_spec("06-net", chapter, chapter)


def test_spec_round_trips(tmp_path):
    spec = GradingSpec("ch", ["s"], ["h"], [Question("q", ("f", "g"), 6.0)], "key", ["numpy"])
    spec.save(tmp_path / "grading.json")
    assert GradingSpec.load(tmp_path / "grading.json") == spec


# -- submissions ------------------------------------------------------------------------

def test_discover_one_submission_per_student(tmp_path):
    (tmp_path / "ann.ipynb").write_text("{}")
    (tmp_path / "ben").mkdir()
    (tmp_path / "ben" / "work").mkdir()
    (tmp_path / "ben" / "work" / "anything.ipynb").write_text("{}")
    (tmp_path / "ben" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "ben" / ".ipynb_checkpoints" / "anything-checkpoint.ipynb").write_text("{}")
    (tmp_path / "cy").mkdir()
    (tmp_path / "cy" / "a.ipynb").write_text("{}")
    (tmp_path / "cy" / "b.ipynb").write_text("{}")
    (tmp_path / "dee").mkdir()
    (tmp_path / "dee" / "answers.pdf").write_text("%PDF")
    (tmp_path / "eve.py").write_text("print()")
    (tmp_path / "fay.ipynb").write_text("{}")
    (tmp_path / "fay").mkdir()
    (tmp_path / ".DS_Store").write_text("")
    found = {s.student: s for s in submissions.discover(tmp_path)}
    assert sorted(found) == ["ann", "ben", "cy", "dee", "eve", "fay"]
    assert found["ann"].path == tmp_path / "ann.ipynb" and not found["ann"].status
    assert found["ben"].path == tmp_path / "ben" / "work" / "anything.ipynb"
    assert found["cy"].status == submissions.AMBIGUOUS
    assert found["dee"].status == submissions.MISSING and "answers.pdf" in found["dee"].detail
    assert found["eve"].status == submissions.NOT_A_NOTEBOOK
    assert found["fay"].status == submissions.AMBIGUOUS
    with pytest.raises(ValueError, match="SUBMISSIONS must be a folder"):
        submissions.discover(tmp_path / "ann.ipynb")
    (tmp_path / "grades").mkdir()  # the grader's output inside the folder is not a student
    (tmp_path / "grades" / "a.ipynb").write_text("{}")
    assert "grades" not in {s.student for s in submissions.discover(tmp_path,
                                                                   tmp_path / "grades")}


def test_read_notebook_says_why_a_file_cannot_be_graded():
    good = nbformat.writes(_notebook("x = 1"))
    other = nbformat.v4.new_notebook(metadata={"otter": {"assignment_name": "02-backward"}})
    cases = {
        b"": submissions.EMPTY,
        b"%PDF-1.4\n\xff\xfe\x00": submissions.NOT_A_NOTEBOOK,
        good.encode()[:40]: submissions.INVALID_JSON,
        b'{"hello": "world"}': submissions.NOT_A_NOTEBOOK,
        b'{"cells": [{"cell_type": "code"}], "nbformat": 4}': submissions.NOT_A_NOTEBOOK,
        nbformat.writes(other).encode(): submissions.WRONG_CHAPTER,
        good.encode() + b" " * 100: submissions.TOO_LARGE,
    }
    for data, status in cases.items():
        notebook, got, detail = submissions.read_notebook(data, "01-naive-forward",
                                                          max_bytes=len(good) + 50)
        assert (notebook, got) == (None, status), (data[:50], detail)
        assert detail
    notebook, status, _ = submissions.read_notebook(good.encode(), "01-naive-forward")
    assert status == "" and notebook.cells[0].source == "x = 1"


# -- tests and points -------------------------------------------------------------------

def _ok_test(cases: list[str], points=None, all_or_nothing: bool = False):
    from otter.test_files.ok_test import OKTestFile

    return OKTestFile.from_spec({"name": "q", "points": points, "all_or_nothing": all_or_nothing,
                                 "suites": [{"cases": [{"code": code, "hidden": False,
                                                        "failure_message": f"hint {i}"}
                                                       for i, code in enumerate(cases)]}]})


def test_otter_runs_the_cases_and_says_what_failed():
    namespace = {"f": lambda x: 2 * x}
    result = referee.grade_question(_ok_test([
        ">>> assert f(2) == 4\n", ">>> assert f(2) == 5, 'f(2) is 4'\n>>> 1/0\n",
        ">>> f(1)\n3\n"], points=6), namespace)
    assert (result.score, result.possible) == (2, 6)
    assert [(c.passed, c.message, c.detail) for c in result.cases] == [
        (True, "", ""), (False, "hint 1", "AssertionError: f(2) is 4"),
        (False, "hint 2", "f(1) gave '2', expected '3'")]


def test_points_follow_otters_rules():
    namespace = {"f": lambda x: x}
    assert referee.grade_question(_ok_test([">>> f(1)\n1\n", ">>> f(1)\n2\n"], 4,
                                            all_or_nothing=True), namespace).score == 0
    with pytest.raises(ValueError, match="More points"):  # otter refuses, so do we
        _ok_test([">>> 1"], 1).resolve_test_file_points(1, [
            replace(c, points=3) for c in _ok_test([">>> 1"]).test_cases])


def test_an_answer_that_used_a_forbidden_function_earns_nothing_for_its_exercise():
    def answer(x):
        raise RuntimeError(f"convcourse.reference.conv2d {student.FORBIDDEN}: write it")

    result = referee.grade_question(_ok_test([">>> 1 + 1\n2\n", ">>> f(1)\n"], 4),
                                    {"f": answer})
    assert result.cases[0].passed and result.score == 0
    assert result.forbidden.startswith("convcourse.reference.conv2d is not available")


# -- report and tools -------------------------------------------------------------------

def test_gradebook_and_feedback(tmp_path):
    spec = GradingSpec("ch", [], [], [Question("q1", ("f",), 2.0), Question("q2", ("g",), 1.0)])
    case = {"name": "q1 - 2", "points": 1, "hidden": True, "passed": False,
            "message": "padding=1: is the image padded?", "detail": "AssertionError: shape"}
    outcomes = {
        "bo": {"status": "graded", "notes": [], "cell_errors": [
            {"cell": 7, "name": "NameError", "message": "name 'x' is not defined"}],
            "questions": [{"name": "q1", "score": 1, "possible": 2, "cases": [case]},
                          {"name": "q2", "score": 1, "possible": 1, "cases": []}]},
        "al": {"status": "empty", "notes": ["the file is empty"], "questions": []},
    }
    report.write_gradebook(tmp_path / "gradebook.csv", spec, outcomes)
    assert (tmp_path / "gradebook.csv").read_text().splitlines() == [
        "student,q1,q2,total,maximum,status", "al,0,0,0,3,empty", "bo,1,1,2,3,graded"]
    text = report.feedback("bo", spec, outcomes["bo"])
    assert "Score: 2 / 3 (status: graded)" in text
    assert "FAILED q1 - 2 (1 point, hidden): padding=1: is the image padded?" in text
    assert "why: AssertionError: shape" in text and "cell 7: NameError" in text
    assert "Note: the file is empty" in report.feedback("al", spec, outcomes["al"])


def test_tag_cells_changes_only_the_tags(tmp_path):
    notebook = _notebook("import numpy as np\nx = 1", "y = 2", "import numpy as np")
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, path)
    before = path.read_text()
    with pytest.raises(ValueError, match="2 code cells start with 'import numpy as np'"):
        tag_cells.tag_cells(path, "grading-setup", ["import numpy as np"])
    assert tag_cells.tag_cells(path, "grading-setup", ["y = 2"]) == ["y = 2"]
    assert tag_cells.tag_cells(path, "grading-setup", ["y = 2"]) == []
    after = nbformat.read(path, as_version=4)
    assert after.cells[1].metadata.tags == ["grading-setup"]
    del after.cells[1].metadata["tags"]
    assert nbformat.writes(after) + "\n" == before


def test_autograder_requirements_are_current():
    assert autograder_requirements.OUTPUT.read_text() == autograder_requirements.render(), (
        "requirements-autograder.txt is stale: run python -m tools.autograder_requirements")


# -- what the grader trusts: isolation, the referee's outcome, cache, assignment ---------

def test_make_grade_refuses_without_isolation(monkeypatch, tmp_path):
    """Where Linux cannot confine a submission, nothing is graded and the routes are named."""
    monkeypatch.setattr(sandbox, "probe", lambda: "this kernel has no Landlock")
    with pytest.raises(sandbox.IsolationUnavailable) as refused:
        grade.grade_class("01-naive-forward", tmp_path, tmp_path / "out", log=print)
    for words in ("no Landlock", "Gradescope", "otter grade", "--unisolated"):
        assert words in str(refused.value)
    assert not (tmp_path / "out").exists()
    assert grade.main(["01-naive-forward", str(tmp_path)]) == 2


def test_a_garbled_forged_or_missing_outcome_is_an_error_of_that_submission_only():
    from multiprocessing import Pipe

    for sent, words in ((b"}}} garbage", "no valid outcome"),
                        (b'{"status": "graded", "questions": []}', "forged"),
                        (b'{"status": "graded", "nonce": "guessed"}', "forged"),
                        (b'{"error": "KeyError: x", "nonce": "n0"}', "referee failed"),
                        (None, "did not answer within 0.1 s")):
        ours, theirs = Pipe(duplex=False)
        if sent is not None:
            theirs.send_bytes(sent)
        with pytest.raises(RuntimeError, match=words):
            pool.read_outcome(ours, "n0", 0.1)
    theirs.send_bytes(b'{"status": "graded", "nonce": "n0"}')
    assert pool.read_outcome(ours, "n0", 1) == {"status": "graded"}
    theirs.close()
    with pytest.raises(RuntimeError, match="no valid outcome"):
        pool.read_outcome(ours, "n0", 1)


def test_only_a_result_the_grader_signed_is_reused(tmp_path):
    secret = grade._secret(tmp_path)
    assert grade._secret(tmp_path) == secret
    assert (tmp_path / ".grader-key").stat().st_mode & 0o077 == 0
    key = {"content": "c", "assignment": "a", "grader": "g", "timeout": 5}
    outcome = {"status": "graded", "questions": [{"name": "q", "score": 6}]}
    (tmp_path / "results").mkdir()
    grade._store(tmp_path, "al", key, outcome, secret)
    path = tmp_path / "results" / "al.json"
    assert grade._cached(path, key, 5, secret) == outcome
    stored = json.loads(path.read_text())
    stored["outcome"]["questions"][0]["score"] = 13  # a forged grade, signature kept
    path.write_text(json.dumps(stored))
    assert grade._cached(path, key, 5, secret) is None
    del stored["signature"]
    path.write_text(json.dumps(stored))
    assert grade._cached(path, key, 5, secret) is None


def test_an_altered_assignment_is_noticed(tmp_path):
    (tmp_path / "autograder").mkdir()
    (tmp_path / "autograder" / "autograder.zip").write_bytes(b"tests")
    assert changed_files(tmp_path) == ["manifest.json"]
    write_manifest(tmp_path)
    assert changed_files(tmp_path) == []
    (tmp_path / "autograder" / "autograder.zip").write_bytes(b"tests, rewritten")
    (tmp_path / "planted.py").write_text("")
    assert changed_files(tmp_path) == ["autograder/autograder.zip", "planted.py"]


def test_the_class_report_ranks_the_cases_the_class_failed(tmp_path):
    spec = GradingSpec("ch", [], [], [Question("q1", ("f",), 2.0)])

    def outcome(first: bool, second: bool) -> dict:
        cases = [{"name": "q1 - 1", "passed": first, "message": "padding ignored?"},
                 {"name": "q1 - 2", "passed": second, "message": "stride | ignored?"}]
        return {"status": "graded", "questions": [
            {"name": "q1", "score": first + second, "possible": 2, "cases": cases}]}

    outcomes = {"a": outcome(True, False), "b": outcome(False, False),
                "c": outcome(True, True), "d": {"status": "empty", "questions": []}}
    assert report.case_failures(spec, outcomes) == {"q1": [
        ("q1 - 2", 2, 3, "stride | ignored?"), ("q1 - 1", 1, 3, "padding ignored?")]}
    text = report.write_class_report(tmp_path, spec, outcomes).read_text()
    assert "| q1 - 2 | 2 | 3 | 67% | stride \\| ignored? |" in text
    assert "4 submissions; mean score 0.8 of 2; 1 empty, 3 graded." in text
    assert "](score-histogram.png)" in text and "![A histogram of the 4" in text
    assert (tmp_path / "score-histogram.png").read_bytes()[:4] == b"\x89PNG"


def test_the_scratch_never_hides_what_a_submission_must_read():
    assert sandbox.scratch_mount(["/usr", "/work/course/.venv"]) == "/tmp"
    assert sandbox.scratch_mount(["/usr", "/tmp/clone/.venv/lib"]) == "/dev/shm"
    with pytest.raises(sandbox.IsolationUnavailable, match="beneath each of /tmp, /dev/shm"):
        sandbox.scratch_mount(["/tmp/clone", "/dev/shm/clone"])


@pytest.mark.skipif(bool(sandbox.probe()), reason="no isolation on this system")
def test_a_course_cloned_into_tmp_stays_readable_and_the_rest_confined(tmp_path_factory):
    """A course under /tmp: the confined process reads it, writes only its scratch
    (then on /dev/shm), and still cannot read the rest of /tmp."""
    course = tmp_path_factory.mktemp("clone-under-tmp")
    if not str(course.resolve()).startswith("/tmp/"):
        pytest.skip("pytest's temporary folders are not under /tmp here")
    (course / "module.py").write_text("ANSWER = 42\n")
    secret = course.parent / "secret-beside-the-clone.txt"
    secret.write_text("hidden tests")
    readable = [*sandbox.readable_paths(), str(course)]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child enters namespaces, then its child is confined
        try:
            work = sandbox.confined(readable, 10)
            if work is not None:
                answers = [str(work), (course / "module.py").read_text().strip()]
                (work / "scratch.txt").write_text("mine")
                for forbidden in (secret, course / "new.txt"):
                    try:
                        forbidden.read_text() if forbidden.exists() else forbidden.write_text(
                            "x")
                        answers.append(f"reached {forbidden.name}")
                    except PermissionError:
                        answers.append("refused")
                os.write(write_end, "|".join(answers).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        seen = pipe.read().decode()
    os.waitpid(pid, 0)
    assert seen == "/dev/shm/work|ANSWER = 42|refused|refused"
    assert not (course / "new.txt").exists()


def test_an_allowed_module_is_kept_whole_and_the_others_refused():
    """Chapter 6's network exercise calls ``fast.conv2d_forward`` (which calls the rest
    of ``fast``): allowing the module keeps it working; ``naive`` still raises. In a
    process of its own: the refusal rewrites the functions' code for good."""
    script = """
import numpy as np
from convcourse import fast, naive
from tools.grading import student
student.forbid_implementations([fast])
x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))
print(fast.conv2d_forward(x, w).sum())
try:
    naive.conv2d_forward(x, w)
except RuntimeError as error:
    print(student.FORBIDDEN in str(error))
"""
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.split() == ["36.0", "True"]


def test_every_module_an_answer_mirrors_is_refused_and_a_new_module_too():
    """``COURSE_MODULES`` is every module of the package but the named helpers: the
    modules of each exercise's answer (tools.answers) are among them, and so would be a
    module added later."""
    import pkgutil

    import convcourse
    from tools.answers import ANSWERS

    modules = {module.name for module in pkgutil.iter_modules(convcourse.__path__)}
    mirrored = {path.split(".")[1] for paths in ANSWERS.values() for path in paths
                if path.startswith("convcourse.")}
    assert mirrored <= set(student.COURSE_MODULES) and not mirrored & student.HELPERS
    assert student.HELPERS <= modules  # no helper named that does not exist
    assert set(student.COURSE_MODULES) == modules - student.HELPERS


def test_torchs_transposed_convolution_batch_norm_and_pooling_are_refused():
    """Chapters 7 and 8: torch's kernels of their exercises raise once refused, in the
    forward pass and with autograd off. In a process of its own (the refusal is for good)."""
    script = """
import numpy as np, torch
import torch.nn.functional as F
from convcourse import normalization, transposed
from tools.grading import student
student.forbid_implementations([])
x, w = torch.ones(1, 2, 4, 4, dtype=torch.float64), torch.ones(2, 3, 3, 3, dtype=torch.float64)
calls = {
    "conv_transpose2d": lambda: F.conv_transpose2d(x, w, stride=2),
    "batch_norm, training": lambda: F.batch_norm(x, torch.zeros(2), torch.ones(2),
                                                 training=True),
    "batch_norm, evaluation": lambda: F.batch_norm(x, torch.zeros(2), torch.ones(2)),
    "adaptive_avg_pool2d": lambda: F.adaptive_avg_pool2d(x, 2),  # (to 1: a mere mean)
    "avg_pool2d": lambda: F.avg_pool2d(x, 2),
    "transposed": lambda: transposed.conv_transpose2d_forward(x.numpy(), w.numpy()),
    "BatchNorm2d": lambda: normalization.BatchNorm2d(2),
}
for name, call in calls.items():
    with torch.no_grad():
        try:
            call()
            print(name, "ran")
        except RuntimeError as error:
            print(name, "refused" if student.FORBIDDEN in str(error) else error)
"""
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert [line.rsplit(" ", 1)[1] for line in done.stdout.splitlines()] == ["refused"] * 7, (
        done.stdout)
