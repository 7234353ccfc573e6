"""Output sizes and the normalisation of ``stride``, ``padding`` and ``dilation``.

Every convolution in the course takes its hyper-parameters the way
``torch.nn.functional.conv2d`` does: an ``int`` applies to both spatial axes, an
``(h, w)`` pair gives one value per axis, and ``padding`` may also be the string
``"valid"`` (no padding) or ``"same"`` (output as large as the input, stride 1 only).
This module turns all of those spellings into explicit per-axis numbers, once, so the
convolution code itself never has to think about them.
"""

from __future__ import annotations

from numbers import Integral

__all__ = ["conv_output_size", "as_pair", "resolve_padding"]


def _is_int(value: object) -> bool:
    """True for Python and numpy integers, but not for ``bool``."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def as_pair(value: int | tuple[int, int], name: str, minimum: int) -> tuple[int, int]:
    """Return ``value`` as an ``(h, w)`` pair of ints, each at least ``minimum``.

    Parameters
    ----------
    value : int or pair of ints
        One number for both axes, or one per axis.
    name : str
        The argument's name, used in error messages.
    minimum : int
        The smallest allowed value (1 for stride and dilation, 0 for padding).

    Returns
    -------
    tuple of int
        ``(value_h, value_w)``.

    Raises
    ------
    TypeError
        If ``value`` is neither an int nor a pair of ints.
    ValueError
        If a value is below ``minimum``.
    """
    if _is_int(value):
        pair = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(_is_int(v) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or a pair of ints (h, w), got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be at least {minimum} on each axis, got {value!r}")
    return pair


def resolve_padding(
    padding: int | tuple[int, int] | str,
    kernel_size: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[int, int, int, int]:
    """Turn any accepted ``padding`` into explicit ``(top, bottom, left, right)`` zeros.

    ``"same"`` pads a total of ``d * (k - 1)`` zeros along each axis so that the output
    has the input's size. When that total is odd, the extra zero goes at the bottom
    (or right), exactly as PyTorch does.

    Parameters
    ----------
    padding : int, pair of ints, ``"valid"`` or ``"same"``
        Zeros added on *each* side (an int or ``(p_h, p_w)``), or a mode string.
    kernel_size : pair of int
        ``(kh, kw)``.
    stride, dilation : pair of int
        Already normalised with :func:`as_pair`.

    Returns
    -------
    tuple of int
        ``(top, bottom, left, right)``.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(
                    f"padding='same' needs stride 1 on both axes, got stride={stride}"
                )
            total_h = dilation[0] * (kernel_size[0] - 1)
            total_w = dilation[1] * (kernel_size[1] - 1)
            top, left = total_h // 2, total_w // 2
            return (top, total_h - top, left, total_w - left)
        raise ValueError(
            f"padding must be an int, a pair of ints, 'valid' or 'same', got {padding!r}"
        )
    pad_h, pad_w = as_pair(padding, "padding", minimum=0)
    return (pad_h, pad_h, pad_w, pad_w)


def _output_length(
    size: int, kernel_size: int, stride: int, pad_total: int, dilation: int
) -> int:
    """Output length along one axis, with ``pad_total`` zeros added in all."""
    span = dilation * (kernel_size - 1) + 1  # how far one dilated kernel reaches
    return (size + pad_total - span) // stride + 1


def conv_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Length of a convolution's output along one spatial axis.

    .. math::

        \\text{out} = \\left\\lfloor \\frac{\\text{size} + 2p - d\\,(k - 1) - 1}{s}
        \\right\\rfloor + 1

    where ``p`` zeros are added on *each* side, ``d (k - 1) + 1`` is how far a dilated
    kernel reaches, and ``s`` is the stride.

    Parameters
    ----------
    size : int
        Input length (``H`` or ``W``), at least 1.
    kernel_size : int
        Kernel length (``kh`` or ``kw``), at least 1.
    stride : int, default 1
        Step between neighbouring windows, at least 1.
    padding : int, default 0
        Zeros added on each side, at least 0.
    dilation : int, default 1
        Spacing between kernel taps, at least 1.

    Returns
    -------
    int
        The output length, at least 1.

    Raises
    ------
    TypeError
        If an argument is not an int.
    ValueError
        If an argument is out of range, or the dilated kernel does not fit in the
        padded input.

    Examples
    --------
    >>> conv_output_size(4, 2, stride=2)
    2
    >>> conv_output_size(28, 3, padding=1)
    28
    """
    arguments = {
        "size": (size, 1),
        "kernel_size": (kernel_size, 1),
        "stride": (stride, 1),
        "padding": (padding, 0),
        "dilation": (dilation, 1),
    }
    for name, (value, minimum) in arguments.items():
        if not _is_int(value):
            raise TypeError(f"{name} must be an int, got {value!r}")
        if value < minimum:
            raise ValueError(f"{name} must be at least {minimum}, got {value}")
    span = dilation * (kernel_size - 1) + 1
    if span > size + 2 * padding:
        raise ValueError(
            f"the kernel (kernel_size={kernel_size}, dilation={dilation}, reach {span}) "
            f"is larger than the padded input (size={size} + 2*padding={padding} "
            f"= {size + 2 * padding})"
        )
    return _output_length(size, kernel_size, stride, 2 * padding, dilation)
