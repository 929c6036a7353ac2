"""`python -m ascend_bce bench`: every case in the simulator, our modelled A2 time against the
stock aclnn sequence's, the targets and the sensitivity table; exit status 1 if a target is missed.

Modelled, not measured: our time is `last_kernel_stats().modelled_a2_us` of a real simulated
launch; the stock time is stock_model.py's price of the launches ops-nn's aclnn code issues.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from typing import Dict, List, Sequence

from ._cli_args import DEMO_BATCH, DEMO_CLASSES, nonnegative_int, positive_float, positive_int
from .assumptions import for_soc
from .bench_cases import FULL_SIZES, Case, all_cases, backward_cases, full_cases, quick_cases
from .bench_model import BackwardRow, Row, backward_launches, extrapolate, run_backward_case, run_case
from .bench_report import (EXTRAPOLATED_MARK, Progress, backward_csv_path, format_backward, format_sensitivity,
                           format_sources, format_table, format_verdicts, markdown_by_operand, markdown_table,
                           write_backward_csv, write_csv)
from .bench_targets import Targets, check_targets, sensitivity

BACKWARD_SIZE = 1_000  # the launch count does not depend on the size: check it cheaply
# A 1e8-element case takes 35-55 s in the simulator here (54 of them: most of an hour); the full run
# simulates up to 1e7 and extrapolates above (bench_model.extrapolate), --simulate-up-to 0 runs all.
SIMULATE_UP_TO = 10_000_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("bench")
    group.add_argument("--quick", action="store_true", help="bench: every variant at 1e3 and 1e4 elements, "
                       "pos_weight[1000] (every reduction) and no operand (mean) at 4,096,000, and dL/dinput against "
                       "the stock backward there (under 30 s)")
    group.add_argument("--size", type=positive_int, help="bench: only this many elements per case")
    group.add_argument("--max-size", type=positive_int, default=FULL_SIZES[-1],
                       help="bench: full run up to this size (default %(default)s)")
    group.add_argument("--simulate-up-to", type=nonnegative_int, default=SIMULATE_UP_TO, metavar="N",
                       help="bench: simulate cases up to N elements, extrapolate larger ones from the two "
                            "largest simulated sizes (0: simulate every case; default %(default)s)")
    group.add_argument("--csv", metavar="FILE", help="bench: write every row as CSV")
    group.add_argument("--plot", metavar="FILE", help="bench: chart of the largest size's rows (PNG with "
                       "matplotlib, else SVG)")
    group.add_argument("--markdown", action="store_true", help="bench: print the largest size's rows, the "
                       "targets and the sensitivity table as markdown (the README's table)")
    group.add_argument("--no-progress", action="store_true", help="bench: no progress bar on stderr")
    group.add_argument("--require-speedup", type=positive_float, default=Targets.min_speedup_reducing,
                       help="bench: mean/sum speed-up target from --large-size (default %(default)s)")
    group.add_argument("--large-size", type=positive_int, default=Targets.large_size,
                       help="bench: elements from which the large-size targets apply (default %(default)s)")


def select_cases(args: argparse.Namespace) -> List[Case]:
    if args.size is not None:
        return all_cases([args.size])
    if args.batch is not None or args.classes is not None:
        size = (args.batch or DEMO_BATCH) * (args.classes or DEMO_CLASSES)
        print(f"bench: --batch/--classes are deprecated; running --size {size} (batch x classes)", file=sys.stderr)
        return all_cases([size])
    return quick_cases() if args.quick else full_cases(args.max_size)


def run_rows(cases: Sequence[Case], soc: str, progress: Progress, simulate_up_to: int = 0) -> List[Row]:
    """Simulates every case of up to `simulate_up_to` requested elements (0: all) and extrapolates the larger
    ones from the two largest simulated sizes of the same variant (bench_model.extrapolate)."""
    rows: List[Row] = []
    simulated: Dict[str, List[Row]] = {}
    for case in sorted(cases, key=lambda c: c.elements):
        done = simulated.get(case.name, [])
        if simulate_up_to and case.size > simulate_up_to and len(done) >= 2:
            rows.append(extrapolate(done[-2], done[-1], case, soc))
        else:
            rows.append(run_case(case, soc))
            simulated.setdefault(case.name, []).append(rows[-1])
        progress.update(f"{case.name} {case.elements:,}")
    order = {id(c): k for k, c in enumerate(cases)}
    return sorted(rows, key=lambda r: order[id(r.case)])


def run_backward(cases: Sequence[Case], soc: str, progress: Progress) -> Dict[str, int]:
    seen: Dict[str, int] = {}
    for case in cases:
        if case.name not in seen:
            seen[case.name] = backward_launches(replace(case, size=BACKWARD_SIZE), soc)
            progress.update(f"backward {case.name}")
    return seen


def run_backward_rows(cases: Sequence[Case], soc: str, progress: Progress) -> List[BackwardRow]:
    """dL/dinput timed against the stock backward (bench_cases.backward_cases): reported, no target."""
    rows = []
    for case in cases:
        rows.append(run_backward_case(case, soc))
        progress.update(f"backward {case.name} {case.elements:,}")
    return rows


def largest_rows(rows: Sequence[Row]) -> List[Row]:
    """The rows at the run's largest requested size: the README table and the plot."""
    top = max((r.case.size for r in rows), default=0)
    return [r for r in rows if r.case.size == top]


def _print_markdown(rows: Sequence[Row], verdicts, sens, note: str, backward: Sequence[BackwardRow] = ()) -> None:
    top = largest_rows(rows)
    print(markdown_table(top))
    if note and any(r.extrapolated for r in top):
        print(f"\n{note}")
    print()
    print(markdown_by_operand(rows))
    print()
    if backward:
        print(format_backward(backward, markdown=True))
        print()
    print(format_verdicts(verdicts, markdown=True))
    print()
    print(format_sensitivity(sens, markdown=True))


def _print_text(title: str, rows: Sequence[Row], verdicts, sens, note: str, targets: Targets,
                summary: str, backward: Sequence[BackwardRow] = ()) -> None:
    print(title)
    print(format_table(rows))
    if note:
        print(note)
    if backward:
        print()
        print(format_backward(backward))
    print(f"\nTargets ({summary}):")
    print(format_verdicts(verdicts))
    print(f"\nSensitivity: each assumption x0.5 and x2 (conclusions: mean/sum from {targets.large_size:,} "
          f"elements >= {targets.min_speedup_worst}x, every row >= {targets.min_speedup}x):")
    print(format_sensitivity(sens))
    print("\nAssumptions (assumptions.py):")
    print(format_sources())


def run(args: argparse.Namespace) -> int:
    cases = select_cases(args)
    variants = len({c.name for c in cases})
    timed = backward_cases(cases)
    progress = Progress(len(cases) + variants + len(timed), enabled=False if args.no_progress else None)
    start = time.perf_counter()
    rows = run_rows(cases, args.soc, progress, args.simulate_up_to)
    backward = run_backward(cases, args.soc, progress)
    backward_rows = run_backward_rows(timed, args.soc, progress)
    progress.close()
    elapsed = time.perf_counter() - start
    targets = Targets(min_speedup_reducing=args.require_speedup, large_size=args.large_size)
    sens = sensitivity(rows, for_soc(args.soc), targets)
    verdicts = check_targets(rows, backward, sens, targets)
    title = (f"Modelled {args.soc} time (not measured): ascend_bce vs the stock aclnn sequence, "
             f"{len(rows)} rows")
    note = (f"{EXTRAPOLATED_MARK} extrapolated from the variant's two largest simulated sizes"
            if any(r.extrapolated for r in rows) else "")
    if args.markdown:
        _print_markdown(rows, verdicts, sens, note, backward_rows)
    else:
        _print_text(title, rows, verdicts, sens, note, targets,
                    f"{len(rows)} rows, {len(backward)} backward variants, {elapsed:.1f} s in the simulator",
                    backward_rows)
    if args.csv:
        write_csv(rows, args.csv)
        print(f"CSV written to {args.csv}", file=sys.stderr)
        if backward_rows:
            write_backward_csv(backward_rows, backward_csv_path(args.csv))
            print(f"backward CSV written to {backward_csv_path(args.csv)}", file=sys.stderr)
    if args.plot:
        from .bench_plot import write_plot

        top = largest_rows(rows)
        size = top[0].case.size if top else 0
        written = write_plot(top, f"Modelled {args.soc} time (not measured), {size:,} elements: ascend_bce vs "
                             "the stock aclnn sequence", args.plot)
        print(f"plot written to {written}", file=sys.stderr)
    return 0 if all(v.met for v in verdicts) else 1
