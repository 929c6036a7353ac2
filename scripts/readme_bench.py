"""Regenerates the README's performance tables: runs `python -m ascend_bce bench --quick --markdown`
and writes its output between the README's bench markers (one command after any kernel change)."""
from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
COMMAND = [sys.executable, "-m", "ascend_bce", "bench", "--quick", "--markdown", "--no-progress"]


def splice(readme: str, tables: str) -> str:
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{tables.strip()}\n{END}{tail}"


def main() -> int:
    done = subprocess.run(COMMAND, capture_output=True, text=True, cwd=ROOT)
    if done.returncode not in (0, 1):  # 1: a target missed, which the tables show
        sys.stderr.write(done.stderr)
        return done.returncode
    path = ROOT / "README.md"
    path.write_text(splice(path.read_text(encoding="utf-8"), done.stdout), encoding="utf-8")
    print(f"README.md: bench tables regenerated (bench exit status {done.returncode})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
