"""What `python -m ascend_bce` and its bench command share: the demo's default batch shape (also
how bench reads its deprecated --batch/--classes) and the argparse types of the numeric options."""
from __future__ import annotations

import argparse
from typing import Callable, TypeVar

DEMO_BATCH = 4096
DEMO_CLASSES = 1000

Number = TypeVar("Number", int, float)


def _bounded(kind: Callable[[str], Number], accept: Callable[[Number], bool],
             complaint: str) -> Callable[[str], Number]:
    """An argparse type: `kind(text)` where `accept` holds, else an argparse error (not a traceback)
    saying `complaint`, got <value>."""

    def parse(text: str) -> Number:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"{complaint}, got {value}")
        return value

    return parse


positive_int = _bounded(int, lambda value: value >= 1, "must be a positive integer")
nonnegative_int = _bounded(int, lambda value: value >= 0, "must be 0 or more")
positive_float = _bounded(float, lambda value: 0 < value < float("inf"), "must be a positive number")
