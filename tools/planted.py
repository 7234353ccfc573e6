"""Plausible wrong answers, planted in the instructor's solutions.

The grading tests, ``make autograder-check`` and the grading benchmark all need a
submission that must score partial marks with the failing case named: this is the one
place that says, per chapter and exercise, which line of the solution to change, into
what, and which words the failing case's message must show.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

SOLUTION_TAG = "otter_assign_solution_cell"

# Plausible mistakes, keyed (chapter, question, mistake): (text in the instructor's
# solution, what a student might write instead, words that the failure message of a
# *public* case of that question must contain, so that a learner who studies alone is
# told the likely cause; tests/test_grading_exercises.py enforces it, and that a hidden case
# fails too). Every mistake a chapter warns about is here.
WRONG = {
    # -- chapter 1: conv2d_single --------------------------------------------------------
    # the padding is never applied (the chapter warns about exactly this bug)
    ("01-naive-forward", "ex-ch1-single", "padding-ignored"): (
        "x_pad = np.pad(x, padding)", "x_pad = x", "padding ignored"),
    # every window starts at (i, j): right shape, wrong values
    ("01-naive-forward", "ex-ch1-single", "stride-ignored"): (
        "window = x_pad[top : top + kh, left : left + kw]",
        "window = x_pad[i : i + kh, j : j + kw]", "stride ignored"),
    # the output width from the kernel's height (square kernels hide it)
    ("01-naive-forward", "ex-ch1-single", "kernel-height-for-width"): (
        "out_w = (x_pad.shape[1] - kw) // stride + 1",
        "out_w = (x_pad.shape[1] - kh) // stride + 1", "kernel height"),
    # a true convolution (kernel flipped) instead of the cross-correlation
    ("01-naive-forward", "ex-ch1-single", "kernel-flipped"): (
        "np.sum(window * k)", "np.sum(window * k[::-1, ::-1])", "flipped"),
    # the output size without the stride (windows run off the padded image)
    ("01-naive-forward", "ex-ch1-single", "size-without-stride"): (
        "out_h = (x_pad.shape[0] - kh) // stride + 1",
        "out_h = x_pad.shape[0] - kh + 1", "output size"),
    # -- chapter 1: conv2d_batched -------------------------------------------------------
    # zeros added on every axis, the batch and channel axes too (right for one 2-D image)
    ("01-naive-forward", "ex-ch1-forward", "every-axis-padded"): (
        "x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))",
        "x_pad = np.pad(x, padding)", "image axes"),
    ("01-naive-forward", "ex-ch1-forward", "padding-ignored"): (
        "x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))",
        "x_pad = x", "padding ignored"),
    ("01-naive-forward", "ex-ch1-forward", "stride-ignored"): (
        "window = x_pad[:, :, top : top + kh, left : left + kw]",
        "window = x_pad[:, :, i : i + kh, j : j + kw]", "stride ignored"),
    ("01-naive-forward", "ex-ch1-forward", "kernel-height-for-width"): (
        "out_w = (x_pad.shape[3] - kw) // stride + 1",
        "out_w = (x_pad.shape[3] - kh) // stride + 1", "kernel height"),
    ("01-naive-forward", "ex-ch1-forward", "bias-forgotten"): (
        "return out + bias[:, None, None]", "return out", "bias"),
    # only the first input channel is read (one-channel cases hide it)
    ("01-naive-forward", "ex-ch1-forward", "first-input-channel"): (
        "np.tensordot(window, weight, axes=([1, 2, 3], [1, 2, 3]))",
        "np.tensordot(window[:, :1], weight[:, :1], axes=([1, 2, 3], [1, 2, 3]))",
        "every input channel"),
    # every image gets the first image's output (one-image cases hide it)
    ("01-naive-forward", "ex-ch1-forward", "first-image-only"): (
        "window = x_pad[:, :, top : top + kh, left : left + kw]",
        "window = x_pad[:1, :, top : top + kh, left : left + kw]", "own pixels"),
    ("01-naive-forward", "ex-ch1-forward", "kernel-flipped"): (
        "np.tensordot(window, weight, axes=([1, 2, 3], [1, 2, 3]))",
        "np.tensordot(window, weight[:, :, ::-1, ::-1], axes=([1, 2, 3], [1, 2, 3]))",
        "flipped"),
    # -- chapter 2: my_conv1d_backward ---------------------------------------------------
    # dL/dx with the kernel in the wrong orientation (flipped once too often)
    ("02-backward", "ex-ch2-conv1d-backward", "kernel-flipped"): (
        "grad_x[start : start + k] += upstream * w",
        "grad_x[start : start + k] += upstream * w[::-1]", "flipped"),
    # overlapping windows overwrite each other's share of grad_x
    ("02-backward", "ex-ch2-conv1d-backward", "grad-x-assigned"): (
        "grad_x[start : start + k] += upstream * w",
        "grad_x[start : start + k] = upstream * w", "+="),
    ("02-backward", "ex-ch2-conv1d-backward", "grad-w-assigned"): (
        "grad_w += upstream * x[start : start + k]",
        "grad_w = upstream * x[start : start + k]", "+="),
    ("02-backward", "ex-ch2-conv1d-backward", "stride-ignored"): (
        "start = stride * i", "start = i", "stride ignored"),
    # the chapter's "bias averaged" bug
    ("02-backward", "ex-ch2-conv1d-backward", "bias-averaged"): (
        "grad_b = float(np.sum(grad_out))", "grad_b = float(np.mean(grad_out))",
        "not its mean"),
    # -- chapter 2: my_conv2d_backward ---------------------------------------------------
    # dL/db of the first image only: not summed over the batch
    ("02-backward", "ex-ch2-conv2d-backward", "bias-of-one-image"): (
        "grad_bias = grad_out.sum(axis=(0, 2, 3))", "grad_bias = grad_out[0].sum(axis=(1, 2))",
        "summed over the batch"),
    ("02-backward", "ex-ch2-conv2d-backward", "bias-averaged"): (
        "grad_bias = grad_out.sum(axis=(0, 2, 3))", "grad_bias = grad_out.mean(axis=(0, 2, 3))",
        "not averaged"),
    # the gradient of the padding zeros kept: grad_x has x_pad's shape
    ("02-backward", "ex-ch2-conv2d-backward", "padding-kept"): (
        "grad_x = grad_x_pad[:, :, padding : padding + H, padding : padding + W]",
        "grad_x = grad_x_pad", "padding cut off"),
    # grad_x from the first output channel only (one-kernel cases hide it)
    ("02-backward", "ex-ch2-conv2d-backward", "grad-x-first-output-channel"): (
        "delta, weight)", "delta[:, :1], weight[:1])", "every output channel"),
    # grad_weight from the first image only (one-image cases hide it)
    ("02-backward", "ex-ch2-conv2d-backward", "grad-weight-first-image"): (
        'np.einsum("no,ncuv->ocuv", delta, window)',
        'np.einsum("o,cuv->ocuv", delta[0], window[0])', "every image"),
    # grad_weight from the windows of stride 1 (stride-1 cases hide it)
    ("02-backward", "ex-ch2-conv2d-backward", "grad-weight-stride-1-windows"): (
        'np.einsum("no,ncuv->ocuv", delta, window)',
        'np.einsum("no,ncuv->ocuv", delta, x_pad[:, :, i : i + kh, j : j + kw])',
        "windows at the stride"),
    # overlapping windows overwrite each other's share of grad_x
    ("02-backward", "ex-ch2-conv2d-backward", "grad-x-assigned"): (
        '+= np.einsum("no,ocuv->ncuv"', '= np.einsum("no,ocuv->ncuv"', "+="),
    # the kernel rotated by 180 degrees, which the scatter form does not need
    ("02-backward", "ex-ch2-conv2d-backward", "kernel-flipped"): (
        "delta, weight)", "delta, weight[:, :, ::-1, ::-1])", "flipped"),
    # -- chapter 3: convolve2d ----------------------------------------------------------
    # the kernel flipped upside down but not left to right
    ("03-corr2d-intuition", "ex-ch3-convolve2d", "half-flipped"): (
        "K[::-1, ::-1]", "K[::-1, :]", "both axes"),
    ("03-corr2d-intuition", "ex-ch3-convolve2d", "flipped-left-right-only"): (
        "K[::-1, ::-1]", "K[:, ::-1]", "both axes"),
    ("03-corr2d-intuition", "ex-ch3-convolve2d", "not-flipped"): (
        "K[::-1, ::-1]", "K", "flipped"),
    # the transpose, which is not a rotation by 180 degrees
    ("03-corr2d-intuition", "ex-ch3-convolve2d", "transposed"): (
        "K[::-1, ::-1]", "K.T", "transposed"),
    ("03-corr2d-intuition", "ex-ch3-convolve2d", "rotated-90"): (
        "K[::-1, ::-1]", "np.rot90(K)", "90 degrees"),
    # -- chapter 4: my_conv_param_count -------------------------------------------------
    # groups ignored: every kernel sees all input channels
    ("04-parameter-efficiency", "ex-ch4-param-count", "groups-ignored"): (
        "(in_channels // groups)", "in_channels", "groups"),
    ("04-parameter-efficiency", "ex-ch4-param-count", "groups-divide-outputs-too"): (
        "out_channels * (in_channels // groups)",
        "(out_channels // groups) * (in_channels // groups)", "groups"),
    ("04-parameter-efficiency", "ex-ch4-param-count", "bias-always-counted"): (
        "(out_channels if bias else 0)", "out_channels", "bias=False"),
    ("04-parameter-efficiency", "ex-ch4-param-count", "bias-per-input-channel"): (
        "(out_channels if bias else 0)", "(in_channels if bias else 0)",
        "one bias per output channel"),
    ("04-parameter-efficiency", "ex-ch4-param-count", "square-kernel-assumed"): (
        "* kh * kw", "* kh * kh", "rectangular"),
    ("04-parameter-efficiency", "ex-ch4-param-count", "outputs-not-checked"): (
        "if in_channels % groups or out_channels % groups:", "if in_channels % groups:",
        "ValueError"),
    # -- chapter 5: my_im2col -----------------------------------------------------------
    # im2col rows in (u, v, c) order instead of (c, u, v)
    ("05-fast-convolution", "ex-ch5-im2col", "rows-reordered"): (
        ".transpose(1, 4, 5, 0, 2, 3)", ".transpose(4, 5, 1, 0, 2, 3)", "(c, u, v)"),
    ("05-fast-convolution", "ex-ch5-im2col", "columns-reordered"): (
        ".transpose(1, 4, 5, 0, 2, 3)", ".transpose(1, 4, 5, 2, 3, 0)", "(n, i, j)"),
    # a reshape alone, which keeps the axes in (n, c, i, j, u, v) order
    ("05-fast-convolution", "ex-ch5-im2col", "no-transpose"): (
        ".transpose(1, 4, 5, 0, 2, 3)", "", "transpose"),
    ("05-fast-convolution", "ex-ch5-im2col", "taps-swapped"): (
        ".transpose(1, 4, 5, 0, 2, 3)", ".transpose(1, 5, 4, 0, 2, 3)", "(c, u, v)"),
    # -- chapter 6 --------------------------------------------------------------------
    # the bias left out of the forward pass
    ("06-network", "ex-ch6-linear", "bias-forgotten"): (
        "return x @ w.T + b",
        "return x @ w.T",
        "bias"),
    # x @ w instead of x @ w.T (w is (n_out, n_in))
    ("06-network", "ex-ch6-linear", "w-not-transposed"): (
        "return x @ w.T + b",
        "return x @ w + b",
        "w^T"),
    # dL/dw as x^T delta: the transpose of w's shape
    ("06-network", "ex-ch6-linear", "grad-w-transposed"): (
        "grad_w = grad_out.T @ x ",
        "grad_w = x.T @ grad_out ",
        "shape of w"),
    # dL/dw divided by N, though delta already holds the mean's 1/N
    ("06-network", "ex-ch6-linear", "grad-w-divided-by-n"): (
        "grad_w = grad_out.T @ x ",
        "grad_w = grad_out.T @ x / len(x) ",
        "not divided by N"),
    # dL/db of the first example only
    ("06-network", "ex-ch6-linear", "grad-b-of-one-example"): (
        "grad_b = grad_out.sum(axis=0)",
        "grad_b = grad_out[0]",
        "summed over the batch"),
    # dL/dx as delta w^T
    ("06-network", "ex-ch6-linear", "grad-x-with-w-transposed"): (
        "grad_x = grad_out @ w ",
        "grad_x = grad_out @ w.T ",
        "grad_x = delta w"),
    # the gradient let through at x = 0 too
    ("06-network", "ex-ch6-relu-backward", "gradient-passes-at-zero"): (
        "np.where(x > 0, grad_out, 0.0)",
        "np.where(x >= 0, grad_out, 0.0)",
        "x = 0"),
    # the ReLU applied to the gradient instead of masking by the input
    ("06-network", "ex-ch6-relu-backward", "mask-from-the-gradient"): (
        "np.where(x > 0, grad_out, 0.0)",
        "np.maximum(grad_out, 0.0)",
        "not from the gradient"),
    # the local derivative [x > 0] returned, not multiplied by delta
    ("06-network", "ex-ch6-relu-backward", "local-derivative-only"): (
        "np.where(x > 0, grad_out, 0.0)",
        "np.where(x > 0, 1.0, 0.0)",
        "times the upstream gradient"),
    # delta multiplied by the ReLU's output instead of by [x > 0]
    ("06-network", "ex-ch6-relu-backward", "times-the-output"): (
        "np.where(x > 0, grad_out, 0.0)",
        "grad_out * np.maximum(x, 0.0)",
        "not times the ReLU's output"),
    # exp of the raw logits: overflows for logits of 1e4
    ("06-network", "ex-ch6-softmax-cross-entropy", "largest-logit-not-subtracted"): (
        "shifted = logits - logits.max(axis=1, keepdims=True)",
        "shifted = logits",
        "largest logit"),
    # the batch's largest logit subtracted, not each row's: a row far below it underflows
    ("06-network", "ex-ch6-softmax-cross-entropy", "one-maximum-for-the-batch"): (
        "shifted = logits - logits.max(axis=1, keepdims=True)",
        "shifted = logits - logits.max()",
        "each row's largest logit"),
    # the loss summed over the batch, not averaged
    ("06-network", "ex-ch6-softmax-cross-entropy", "loss-summed"): (
        "loss = -log_probs[rows, labels].mean()",
        "loss = -log_probs[rows, labels].sum()",
        "mean over the batch"),
    # the gradient not divided by N
    ("06-network", "ex-ch6-softmax-cross-entropy", "gradient-not-divided-by-n"): (
        "return loss, grad / n",
        "return loss, grad",
        "divided by N"),
    # 1 subtracted at every row's label columns in every row
    ("06-network", "ex-ch6-softmax-cross-entropy", "one-hot-in-every-row"): (
        "grad[rows, labels] -= 1.0",
        "grad[:, labels] -= 1.0",
        "each row's own true class"),
    # zero padding, which wins the windows where every real input is negative
    ("06-network", "ex-ch6-max-pool-forward", "zero-padding"): (
        'np.pad(x, pad, constant_values=float("-inf"))',
        "np.pad(x, pad, constant_values=0.0)",
        "never wins a window"),
    # windows start at (i, j), not (s i, s j)
    ("06-network", "ex-ch6-max-pool-forward", "stride-ignored"): (
        "x_pad[:, :, i * s : i * s + k, j * s : j * s + k]",
        "x_pad[:, :, i : i + k, j : j + k]",
        "(the stride)"),
    # stride=None read as 1 instead of kernel_size
    ("06-network", "ex-ch6-max-pool-forward", "stride-none-as-one"): (
        "s = stride if stride is not None else k",
        "s = stride if stride is not None else 1",
        "stride=None"),
    # the maximum over all channels of a window, not each channel's
    ("06-network", "ex-ch6-max-pool-forward", "channels-mixed"): (
        "out[:, :, i, j] = window.max(axis=(2, 3))",
        "out[:, :, i, j] = window.max(axis=(1, 2, 3))[:, None]",
        "each channel"),
    # the output height computed without the padding
    ("06-network", "ex-ch6-max-pool-forward", "output-size-without-padding"): (
        "H_out = (H + 2 * padding - k) // s + 1",
        "H_out = (H - k) // s + 1",
        "output size"),
    # a tied maximum sends the window's gradient to every tied input, not the first
    ("06-network", "ex-ch6-max-pool-backward", "tie-to-every-maximum"): (
        "grad_pad[n, c, r + u, q + v] += grad_out[n, c, i, j]",
        "grad_pad[n, c, r : r + k, q : q + k] += (window == window.max()) * grad_out[n, c, i, j]",
        "not to every tied maximum"),
    # a tied maximum sends the gradient to the last tied input
    ("06-network", "ex-ch6-max-pool-backward", "tie-to-the-last-maximum"): (
        "np.unravel_index(np.argmax(window), window.shape)",
        "np.unravel_index(window.size - 1 - np.argmax(window[::-1, ::-1]), window.shape)",
        "not to the last"),
    # zero padding, which wins the windows where every real input is negative
    ("06-network", "ex-ch6-max-pool-backward", "zero-padding"): (
        "constant_values=-np.inf)",
        "constant_values=0)",
        "never wins a window"),
    # = instead of +=: an input that wins overlapping windows keeps only the last gradient
    ("06-network", "ex-ch6-max-pool-backward", "assigned-not-accumulated"): (
        "grad_pad[n, c, r + u, q + v] += grad_out[n, c, i, j]",
        "grad_pad[n, c, r + u, q + v] = grad_out[n, c, i, j]",
        "(+=)"),
    # flattened in (H, W, C) order, not (C, H, W) as Flatten and torch
    ("06-network", "ex-ch6-lenet", "flattened-channels-last"): (
        "flat = p2.reshape(len(x), -1)",
        "flat = p2.transpose(0, 2, 3, 1).reshape(len(x), -1)",
        "(C, H, W) order"),
    # the first convolution's bias left out
    ("06-network", "ex-ch6-lenet", "conv-bias-forgotten"): (
        'fast.conv2d_forward(x, params["0.weight"], params["0.bias"], padding=1)',
        'fast.conv2d_forward(x, params["0.weight"], padding=1)',
        "its bias"),
    # the second ReLU's backward pass skipped
    ("06-network", "ex-ch6-lenet", "second-relu-skipped"): (
        "grad = my_relu_backward(grad, z2)",
        "grad = grad",
        "every ReLU's backward"),
    # padding=1 missing in the first convolution's backward pass
    ("06-network", "ex-ch6-lenet", "padding-forgotten-in-backward"): (
        'grad, x, params["0.weight"], padding=1)',
        'grad, x, params["0.weight"])',
        "padding=1"),
    # the second pooling's backward given the first pooling's input
    ("06-network", "ex-ch6-lenet", "pool-backward-with-the-wrong-input"): (
        "my_max_pool2d_backward(grad.reshape(p2.shape), a2, 2)",
        "my_max_pool2d_backward(grad.reshape(p2.shape), a1, 2)",
        "input of its own pooling"),
    # -- chapter 7: batch normalisation in training mode, forward and backward ----------
    # per-image statistics (over each map's rows and columns) instead of per channel
    ("07-cnn-blocks", "ex-ch7-batch-norm", "statistics-over-the-wrong-axes"): (
        "axes = (0, 2, 3)                                   # a channel's N*H*W values",
        "axes = (2, 3)", "wrong axes"),
    ("07-cnn-blocks", "ex-ch7-batch-norm", "mean-gradient-forgotten"): (
        "centred = g - g.mean(axis=axes, keepdims=True)", "centred = g",
        "the mean's own gradient forgotten"),
    ("07-cnn-blocks", "ex-ch7-batch-norm", "variance-gradient-forgotten"): (
        "grad_x = inv_std * (centred - x_hat * (g * x_hat).mean(axis=axes, keepdims=True))",
        "grad_x = inv_std * centred", "the variance's own gradient forgotten"),
    # normalised with the unbiased variance (torch.var's default, np.var(ddof=1))
    ("07-cnn-blocks", "ex-ch7-batch-norm", "unbiased-variance-in-the-normalisation"): (
        "var = x.var(axis=axes)  ", "var = x.var(axis=axes, ddof=1)  ",
        "unbiased variance in the normalisation"),
    ("07-cnn-blocks", "ex-ch7-batch-norm", "running-statistics-used-in-training"): (
        "x_hat = (x - mean.reshape(1, -1, 1, 1)) * inv_std",
        "x_hat = (x - running_mean.reshape(1, -1, 1, 1)) / np.sqrt(running_var.reshape("
        "1, -1, 1, 1) + eps)", "running statistics used in training"),
    # the running variance fed the biased variance of the batch
    ("07-cnn-blocks", "ex-ch7-batch-norm", "biased-running-variance"): (
        "momentum * var * count / (count - 1)", "momentum * var",
        "made unbiased"),
    # -- chapter 7: global average pooling ----------------------------------------------
    ("07-cnn-blocks", "ex-ch7-global-avg-pool", "sum-not-mean"): (
        "return x.mean(axis=(2, 3))", "return x.sum(axis=(2, 3))", "the mean, not the sum"),
    ("07-cnn-blocks", "ex-ch7-global-avg-pool", "gradient-not-shared"): (
        "share = grad_out / (h * w)", "share = grad_out", "divided by H W"),
    # -- chapter 8: my_conv_transpose2d ---------------------------------------------------
    # every stamp one cell from the last: stride ignored (right shape, wrong values)
    ("08-going-backwards", "ex-ch8-conv-transpose", "stride-ignored"): (
        "top, left = i * stride, j * stride", "top, left = i, j", "stride ignored"),
    # overlapping stamps overwrite each other
    ("08-going-backwards", "ex-ch8-conv-transpose", "assigned-not-added"): (
        "left : left + kw] += np.einsum", "left : left + kw] = np.einsum", "+="),
    # the weight read as a convolution's, output channels first
    ("08-going-backwards", "ex-ch8-conv-transpose", "weight-as-conv2d"): (
        '"nc,cokl->nokl"', '"nc,ockl->nokl"', "input channels first"),
    # the kernel flipped, as if a transposed convolution were a true convolution
    ("08-going-backwards", "ex-ch8-conv-transpose", "kernel-flipped"): (
        "x[:, :, i, j], weight)", "x[:, :, i, j], weight[:, :, ::-1, ::-1])", "flipped"),
    # the padding kept: the full scatter returned
    ("08-going-backwards", "ex-ch8-conv-transpose", "padding-not-cropped"): (
        "return full[:, :, padding : full_h - padding, padding : full_w - padding]",
        "return full", "padding crops"),
    # the padding cut from one side only
    ("08-going-backwards", "ex-ch8-conv-transpose", "cropped-one-side"): (
        "return full[:, :, padding : full_h - padding, padding : full_w - padding]",
        "return full[:, :, padding:, padding:]", "each side"),
}


# The exercises where the learner writes a layer's forward or backward pass: each has at
# least four planted mistakes (tests/test_grading_exercises.py); every other autograded
# exercise has at least one.
CORE = frozenset({"ex-ch1-forward", "ex-ch2-conv2d-backward", "ex-ch6-linear",
                  "ex-ch6-softmax-cross-entropy", "ex-ch6-max-pool-forward",
                  "ex-ch6-max-pool-backward", "ex-ch6-lenet", "ex-ch7-batch-norm",
                  "ex-ch8-conv-transpose"})
MIN_CORE_MISTAKES = 4


def mistakes(chapter: str) -> list[tuple[str, str, str]]:
    """The keys of :data:`WRONG` for one chapter, in the table's order."""
    return [key for key in WRONG if key[0] == chapter]


def wrong_notebook(key: tuple[str, str, str], solutions: Path) -> nbformat.NotebookNode:
    """The solutions notebook (otter's autograder copy) with one mistake planted.

    Raises ``KeyError`` for a key not in :data:`WRONG`, and ``ValueError`` when no
    solution cell (or more than one) contains the line to change.
    """
    old, new, _ = WRONG[key]
    notebook = nbformat.read(solutions, as_version=4)
    cells = [c for c in notebook.cells if c.cell_type == "code"
             and SOLUTION_TAG in c.metadata.get("tags", []) and old in c.source]
    if len(cells) != 1:
        raise ValueError(f"{key}: {len(cells)} solution cells contain {old!r}, expected 1")
    cells[0].source = cells[0].source.replace(old, new)
    return notebook
