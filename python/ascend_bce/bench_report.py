"""What `python -m ascend_bce bench` writes: the table (text or markdown), the CSV, the target
summary, the sensitivity table, and a progress bar on stderr."""
from __future__ import annotations

import csv
import sys
from typing import IO, Iterable, List, Optional, Sequence

from .assumptions import sources
from .bench_model import BackwardRow, Row
from .bench_targets import Sensitivity, Verdict

HEADER = ("case", "elements", "ours us", "stock us", "speed-up", "% HBM roofline", "bound by",
          "launches ours/stock", "GM / target min")
CSV_COLUMNS = ("case", "dtype", "reduction", "operand", "rows", "classes", "elements", "ours_us", "stock_us",
               "speedup", "roofline_us", "roofline_pct", "roofline_speedup", "vector_bound_us", "bound_pct", "bound_by",
               "ours_launches", "stock_launches", "ours_gm_bytes", "min_gm_bytes", "stock_gm_bytes", "blocks",
               "extrapolated", "pipe_busy_us", "pipe_stall_us")
BAR_WIDTH = 30
EXTRAPOLATED_MARK = "*"  # the row is extrapolated from two simulated sizes, not simulated


def _cells(r: Row) -> List[str]:
    return [r.case.name, f"{r.case.elements:,}{EXTRAPOLATED_MARK if r.extrapolated else ''}", f"{r.ours_us:.1f}", f"{r.stock_us:.1f}", f"{r.speedup:.2f}x",
            f"{r.roofline_pct:.0f}%", r.bound_by, f"{r.ours_launches}/{r.stock_launches}", f"{r.gm_ratio:.3f}"]


def format_table(rows: Sequence[Row]) -> str:
    cells = [list(HEADER)] + [_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = []
    for k, line in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def markdown_by_operand(rows: Sequence[Row]) -> str:
    """Per operand variant, over every dtype, reduction and size of the run: the least speed-up
    and the most GM traffic over the target's minimum, with the rows they come from."""
    lines = ["| operand | rows | least speed-up | most GM / target min |", "|---|---|---|---|"]
    for operand in dict.fromkeys(r.case.operand for r in rows):
        mine = [r for r in rows if r.case.operand == operand]
        slow = min(mine, key=lambda r: r.speedup)
        heavy = max(mine, key=lambda r: r.gm_ratio)
        lines.append(f"| {operand} | {len(mine)} | {slow.speedup:.2f}x ({slow.case.name}, {slow.case.elements:,}) "
                     f"| {heavy.gm_ratio:.3f} ({heavy.case.name}, {heavy.case.elements:,}) |")
    return "\n".join(lines)


def _write_table(path: str, header: Sequence[str], lines: Iterable[Sequence[object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(lines)


def _csv_cells(r: Row) -> List[object]:
    c = r.case
    return [c.name, c.dtype, c.reduction, c.operand, c.rows, c.classes, c.elements,
            f"{r.ours_us:.4f}", f"{r.stock_us:.4f}", f"{r.speedup:.4f}", f"{r.roofline_us:.4f}",
            f"{r.roofline_pct:.2f}", f"{r.roofline_speedup:.4f}", f"{r.vector_bound_us:.4f}",
            f"{r.bound_pct:.2f}", r.bound_by, r.ours_launches, r.stock_launches, r.ours_gm_bytes,
            r.min_gm_bytes, r.stock_gm_bytes, r.blocks, int(r.extrapolated), r.pipe_busy, r.pipe_stall]


def write_csv(rows: Sequence[Row], path: str) -> None:
    _write_table(path, CSV_COLUMNS, (_csv_cells(r) for r in rows))


BACKWARD_TITLE = "Backward (dL/dinput): ours vs stock"
BACKWARD_HEADER = ("case", "elements", "ours us", "stock us", "speed-up", "launches ours/stock")
BACKWARD_CSV_COLUMNS = ("case", "pass", "dtype", "reduction", "operand", "rows", "classes", "elements", "ours_us",
                        "stock_us", "speedup", "ours_launches", "stock_launches", "stock_per_launch_us")
BACKWARD_NOTE = ("modelled, no target: the stock side is aclnnBinaryCrossEntropyWithLogitsBackward's launches "
                 "(stock_backward.py), grad_output ones (a scalar for mean)")


def _backward_cells(r: BackwardRow) -> List[str]:
    return [r.case.name, f"{r.case.elements:,}", f"{r.ours_us:.1f}", f"{r.stock_us:.1f}", f"{r.speedup:.2f}x",
            f"{r.ours_launches}/{r.stock_launches}"]


def format_backward(rows: Sequence[BackwardRow], markdown: bool = False) -> str:
    """The backward rows as a second small table (text or markdown), under its title and note."""
    cells = [_backward_cells(r) for r in rows]
    if markdown:
        lines = [f"**{BACKWARD_TITLE}** ({BACKWARD_NOTE})", "", "| " + " | ".join(BACKWARD_HEADER) + " |",
                 "|" + "---|" * len(BACKWARD_HEADER)]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])
    table = [list(BACKWARD_HEADER)] + cells
    widths = [max(len(c[i]) for c in table) for i in range(len(BACKWARD_HEADER))]
    lines = [f"{BACKWARD_TITLE} ({BACKWARD_NOTE}):"]
    for k, line in enumerate(table):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def backward_csv_path(path: str) -> str:
    """Where --csv FILE puts the backward rows: FILE with '-backward' before its extension."""
    stem, dot, ext = path.rpartition(".")
    return f"{stem}-backward.{ext}" if dot and "/" not in ext else f"{path}-backward"


def _backward_csv_cells(r: BackwardRow) -> List[object]:
    c = r.case
    per = ";".join(f"{name}={us:.2f}" for name, us in r.stock_per_launch.items())
    return [c.name, "backward", c.dtype, c.reduction, c.operand, c.rows, c.classes, c.elements,
            f"{r.ours_us:.4f}", f"{r.stock_us:.4f}", f"{r.speedup:.4f}", r.ours_launches, r.stock_launches, per]


def write_backward_csv(rows: Sequence[BackwardRow], path: str) -> None:
    _write_table(path, BACKWARD_CSV_COLUMNS, (_backward_csv_cells(r) for r in rows))


def format_verdicts(verdicts: Sequence[Verdict], markdown: bool = False) -> str:
    if markdown:
        lines = ["| target | | worst case |", "|---|---|---|"]
        lines += [f"| {v.name} | {'met' if v.met else '**MISSED**'} | {v.detail} |" for v in verdicts]
        return "\n".join(lines)
    width = max(len(v.name) for v in verdicts)
    return "\n".join(f"  {'met   ' if v.met else 'MISSED'}  {v.name.ljust(width)}  {v.detail}" for v in verdicts)


def format_sensitivity(sens: Sensitivity, markdown: bool = False) -> str:
    head = ("assumption", "x", "min speed-up, large mean/sum", "min speed-up, all rows", "conclusions hold")
    body = [(name, f"{factor:g}", f"{large:.2f}x" if large != float("inf") else "-", f"{least:.2f}x",
             "yes" if holds else "NO") for name, factor, large, least, holds in sens.rows]
    factors, large, least, holds = sens.worst
    body.append(("all at worst end", ", ".join(f"{k} x{v:g}" for k, v in factors.items()),
                 f"{large:.2f}x" if large != float("inf") else "-", f"{least:.2f}x", "yes" if holds else "NO"))
    if markdown:
        return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                         + ["| " + " | ".join(b) + " |" for b in body])
    widths = [max(len(x[i]) for x in [head] + body[:-1]) for i in range(len(head))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths)) for b in body[:-1]]
    lines.append(f"{body[-1][0]} ({body[-1][1]}): {body[-1][2]} / {body[-1][3]}, hold: {body[-1][4]}")
    return "\n".join(lines)


def format_sources() -> str:
    return "\n".join(f"  {name}: {text}" for name, text in sources().items())


class Progress:
    """A one-line \\r progress bar on a terminal; silent when the stream is not a tty."""

    def __init__(self, total: int, stream: Optional[IO[str]] = None, enabled: Optional[bool] = None):
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled

    def update(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        filled = BAR_WIDTH * self.done // self.total
        self.stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total} {label:<40.40}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
