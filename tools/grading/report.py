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
        if question.get("forbidden"):
            lines.append(f"  NOTHING for this exercise: {question['forbidden']}")
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


def case_failures(spec: GradingSpec, outcomes: dict[str, dict]
                  ) -> dict[str, list[tuple[str, int, int, str]]]:
    """Per exercise, each case as ``(name, failed, tested, message)``, most failed first.

    Only submissions whose cases ran count (``tested``); the message is the case's own
    failure message (what the mistake is), as the feedback files show it.
    """
    table: dict[str, dict[str, list]] = {q.name: {} for q in spec.questions}
    for outcome in outcomes.values():
        for question in outcome.get("questions", []):
            for case in question.get("cases", []):
                row = table.setdefault(question["name"], {}).setdefault(
                    case["name"], [0, 0, ""])
                row[1] += 1
                if not case["passed"]:
                    row[0] += 1
                    row[2] = row[2] or case.get("message", "")
    return {name: sorted(((case, *row) for case, row in cases.items()),
                         key=lambda r: (-r[1] / max(r[2], 1), r[0]))
            for name, cases in table.items()}


def write_class_report(out: Path, spec: GradingSpec, outcomes: dict[str, dict]) -> Path:
    """``class-report.md`` and its figure ``score-histogram.png`` in ``out``: the scores'
    histogram, and per exercise each case's failure rate with its message."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    totals = [sum(question_scores(o).values()) for o in outcomes.values()]
    figure, axes = plt.subplots(figsize=(6, 3.2))
    bins = max(1, min(int(spec.maximum), 20))
    axes.hist(totals, bins=bins, range=(0, max(spec.maximum, 1)), color="#4477aa",
              edgecolor="white")
    axes.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes.set(xlabel=f"total score (out of {_number(spec.maximum)})", ylabel="students",
             title=f"{spec.chapter}: scores of {len(totals)} submissions")
    figure.tight_layout()
    figure.savefig(out / "score-histogram.png", dpi=100)
    plt.close(figure)
    counts = {}
    for outcome in outcomes.values():
        counts[outcome["status"]] = counts.get(outcome["status"], 0) + 1
    mean = sum(totals) / len(totals) if totals else 0
    lines = [f"# Class report: {spec.chapter}", "",
             f"{len(totals)} submissions; mean score {mean:.1f} of "
             f"{_number(spec.maximum)}; " + ", ".join(
                 f"{n} {status}" for status, n in sorted(counts.items())) + ".", "",
             f"![A histogram of the {len(totals)} total scores, from 0 to "
             f"{_number(spec.maximum)} points; the mean is {mean:.1f}.](score-histogram.png)",
             ""]
    for question, rows in case_failures(spec, outcomes).items():
        lines += [f"## {question}", "",
                  "| case | failed | of | rate | what the failure means |",
                  "|---|---:|---:|---:|---|"]
        for name, failed, tested, message in rows:
            rate = f"{100 * failed / tested:.0f}%" if tested else "-"
            text = message.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {name} | {failed} | {tested} | {rate} | {text} |")
        if not rows:
            lines.append("| (no submission reached the tests) | | | | |")
        lines.append("")
    path = out / "class-report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
