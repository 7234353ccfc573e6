"""Tests of :mod:`convcourse.plot.network`: learning curves and confusion matrices (ch. 6)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from convcourse.plot import plot_confusion_matrix, plot_learning_curves

LOSSES = [2.3, 1.5, 1.1, 0.9, 0.7, 0.5]  # three epochs of two steps


# --- plot_learning_curves -----------------------------------------------------------------


def test_learning_curves_draw_every_step_and_every_epoch(with_gid):
    fig = plot_learning_curves(LOSSES, {"training": [0.5, 0.8, 0.9], "test": [0.4, 0.7, 0.85]},
                               smooth=2)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax_loss, ax_accuracy = fig.axes
    (steps,) = with_gid(fig, "loss")
    np.testing.assert_allclose(steps.get_xdata(), [0.5, 1, 1.5, 2, 2.5, 3])  # in epochs
    np.testing.assert_allclose(steps.get_ydata(), LOSSES)
    (running,) = with_gid(fig, "running-loss")
    np.testing.assert_allclose(running.get_ydata(), [1.9, 1.3, 1.0, 0.8, 0.6])
    assert ax_loss.get_yscale() == "log"
    (test,) = with_gid(fig, "accuracy-test")
    np.testing.assert_allclose(test.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(test.get_ydata(), [40, 70, 85])  # percent
    assert [t.get_text() for t in ax_accuracy.get_legend().get_texts()] == ["training", "test"]


def test_learning_curves_smooth_over_at_most_all_steps(with_gid):
    fig = plot_learning_curves([1.0, 3.0], {"test": [0.5]}, smooth=50)
    (running,) = with_gid(fig, "running-loss")
    np.testing.assert_allclose(running.get_ydata(), [2.0])


def test_learning_curves_accept_numpy_arrays(with_gid):
    fig = plot_learning_curves(np.array(LOSSES), {"test": np.array([0.1, 0.2, 0.3])})
    assert len(with_gid(fig, "accuracy-test")) == 1


@pytest.mark.parametrize(("losses", "accuracies", "smooth", "error", "message"), [
    ("abc", {"test": [0.5]}, 2, TypeError, r"losses must be a sequence of numbers, got str"),
    ([], {"test": [0.5]}, 2, ValueError, r"losses must be a non-empty 1-D sequence"),
    ([1.0, np.nan], {"test": [0.5]}, 2, ValueError, r"losses must hold finite numbers"),
    (LOSSES, [0.5, 0.6], 2, TypeError, r"accuracies must be a mapping .* got list"),
    (LOSSES, {}, 2, ValueError, r"accuracies must hold at least one curve"),
    (LOSSES, {"a": [0.5, 0.6, 0.7], "b": [0.5]}, 2, ValueError,
     r"one value per epoch for every curve, got lengths \[1, 3\]"),
    (LOSSES, {"test": [0.5, 97.0, 0.9]}, 2, ValueError,
     r"accuracies\['test'\] must lie between 0 and 1, got values from 0.5 to 97.0"),
    (LOSSES, {"test": [0.5] * 4}, 2, ValueError,
     r"losses must hold the same number of steps for each of the 4 epochs, got 6 steps"),
    (LOSSES, {"test": [0.5] * 3}, 0, ValueError, r"smooth"),
    (LOSSES, {"test": [0.5] * 3}, 2.5, TypeError, r"smooth"),
])
def test_learning_curves_reject_bad_arguments(losses, accuracies, smooth, error, message):
    with pytest.raises(error, match=message):
        plot_learning_curves(losses, accuracies, smooth=smooth)


# --- plot_confusion_matrix ----------------------------------------------------------------

COUNTS = np.array([[5, 1, 0], [0, 4, 0], [2, 0, 3]])


def test_confusion_matrix_writes_the_counts_and_outlines_the_mistakes(with_gid):
    fig = plot_confusion_matrix(COUNTS)
    ax = fig.axes[0]
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
             for t in with_gid(fig, "count")}
    assert texts == {(0, 0): "5", (0, 1): "1", (1, 1): "4", (2, 0): "2", (2, 2): "3"}
    corners = sorted(rect.get_xy() for rect in with_gid(fig, "mistake"))
    assert corners == [(-0.5, 1.5), (0.5, -0.5)]  # (column, row) of [2, 0] and [0, 1]
    shade = ax.get_images()[0].get_array()
    np.testing.assert_array_equal(shade, np.diag([5, 4, 3]))  # only the right answers
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert ax.get_title() == "15 examples, 3 wrong"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]


def test_confusion_matrix_into_a_panel_with_names():
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_confusion_matrix(COUNTS, ["a", "b", "c"], ax=right) is fig
    assert [t.get_text() for t in right.get_yticklabels()] == ["a", "b", "c"]
    assert not left.get_images()


@pytest.mark.parametrize(("counts", "names", "ax", "error", "message"), [
    ([[1, 0], [0, 1]], None, None, TypeError, r"counts must be a numpy.ndarray"),
    (np.eye(2), None, None, TypeError, r"counts must hold integer counts, got dtype float64"),
    (np.ones((2, 3), int), None, None, ValueError, r"counts must be square .* \(2, 3\)"),
    (np.ones(3, int), None, None, ValueError, r"counts must be 2-D"),
    (-np.eye(2, dtype=int), None, None, ValueError, r"counts must not be negative, got -1"),
    (np.eye(2, dtype=int), "ab", None, TypeError, r"class_names must be a sequence of str"),
    (np.eye(2, dtype=int), ["a"], None, ValueError,
     r"class_names must have one entry per class \(2\), got 1"),
    (np.eye(2, dtype=int), None, "left", TypeError, r"ax must be a matplotlib.axes.Axes"),
])
def test_confusion_matrix_rejects_bad_arguments(counts, names, ax, error, message):
    with pytest.raises(error, match=message):
        plot_confusion_matrix(counts, names, ax=ax)
