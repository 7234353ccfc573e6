"""What an instructor reads: the gradebook (CSV) and one feedback file per student."""

from __future__ import annotations

import csv
from pathlib import Path

from tools.grading.spec import GradingSpec

GRADED = "graded"


def _number(value: float) -> str:
    return f"{value:g}"


def question_scores(outcome: dict) -> dict[str, float]:
    """The score of each exercise in an outcome (missing exercises score zero)."""
    return {q["name"]: q["score"] for q in outcome.get("questions", [])}


def write_gradebook(path: Path, spec: GradingSpec, outcomes: dict[str, dict]) -> None:
    """``student, <one column per exercise>, total, maximum, status``, one row a student."""
    names = [q.name for q in spec.questions]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *names, "total", "maximum", "status"])
        for student, outcome in sorted(outcomes.items()):
            scores = question_scores(outcome)
            row = [scores.get(name, 0) for name in names]
            writer.writerow([student, *map(_number, row), _number(sum(row)),
                             _number(spec.maximum), outcome["status"]])


def feedback(student: str, spec: GradingSpec, outcome: dict) -> str:
    """The feedback text of one student: score, each failed case and why, cell errors."""
    scores = question_scores(outcome)
    total = sum(scores.values())
    lines = [f"{spec.chapter}: feedback for {student}",
             f"Score: {_number(total)} / {_number(spec.maximum)} (status: {outcome['status']})"]
    lines += [f"Note: {note}" for note in outcome.get("notes", [])]
    for question in outcome.get("questions", []):
        lines += ["", f"{question['name']}: {_number(question['score'])} / "
                      f"{_number(question['possible'])}"]
        for case in question["cases"]:
            if case["passed"]:
                continue
            points = f"{_number(case['points'])} point" + ("" if case["points"] == 1 else "s")
            hidden = ", hidden" if case["hidden"] else ""
            lines.append(f"  FAILED {case['name']} ({points}{hidden})"
                         + (f": {case['message']}" if case["message"] else ""))
            if case["detail"]:
                lines.append(f"    why: {case['detail']}")
        if not question["cases"]:
            lines.append("  not tested (see the note above)")
        elif question["score"] == question["possible"]:
            lines.append("  every case passed")
    errors = outcome.get("cell_errors", [])
    if errors:
        lines += ["", "Cells of the notebook that raised an error when run:"]
        for error in errors:
            where = ("the chapter's setup" if error["cell"] == "setup"
                     else f"cell {error['cell']}")
            lines.append(f"  {where}: {error['name']}: {error['message']}")
    return "\n".join(lines) + "\n"


def write_feedback(folder: Path, spec: GradingSpec, outcomes: dict[str, dict]) -> None:
    """One ``<student>.txt`` per student in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for student, outcome in outcomes.items():
        (folder / f"{student}.txt").write_text(feedback(student, spec, outcome),
                                               encoding="utf-8")
