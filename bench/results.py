"""The benchmark's results file, var/bench/<SIZE>.json: one object per measured operation.

Every step of the project adds its own operations to the same file; `record`
replaces an earlier result of the same operation on the same database and
keeps everything else, so runs of different steps (and of SQLite and
PostgreSQL) accumulate in one list.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"


@dataclass(frozen=True)
class Result:
    """One measured operation, in the shape of the results file."""

    operation: str
    database: str  # "sqlite" | "postgresql"
    rows: int
    seconds: float
    reference_seconds: float | None = None
    ratio: float | None = None

    @classmethod
    def measured(
        cls,
        *,
        operation: str,
        database: str,
        rows: int,
        seconds: float,
        reference_seconds: float | None = None,
    ) -> Result:
        """A result with its ratio to the reference worked out (None without a reference)."""
        ratio = None
        if reference_seconds:
            ratio = round(seconds / reference_seconds, 2)
        return cls(
            operation=operation,
            database=database,
            rows=rows,
            seconds=round(seconds, 4),
            reference_seconds=round(reference_seconds, 4) if reference_seconds else None,
            ratio=ratio,
        )


def results_path(size: str, directory: Path | None = None) -> Path:
    return (directory or RESULTS_DIR) / f"{size}.json"


def load(size: str, directory: Path | None = None) -> list[dict[str, object]]:
    path = results_path(size, directory)
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data) if isinstance(data, list) else []


def record(size: str, results: list[Result], directory: Path | None = None) -> Path:
    """Merge `results` into var/bench/<size>.json (same operation and database: replaced)."""
    path = results_path(size, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = {(result.operation, result.database): asdict(result) for result in results}
    merged = [
        entry
        for entry in load(size, directory)
        if (entry.get("operation"), entry.get("database")) not in new
    ]
    merged.extend(new.values())
    # Written to a temporary file and renamed, so a reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(merged, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    os.chmod(temporary, 0o644)  # mkstemp makes it private; the results are for everyone
    os.replace(temporary, path)
    return path


def table(results: list[Result]) -> str:
    """The results as a plain text table."""
    header = ("operation", "database", "rows", "seconds", "rows/s", "reference s", "ratio")
    lines = [header]
    for result in results:
        lines.append(
            (
                result.operation,
                result.database,
                f"{result.rows:,}",
                f"{result.seconds:.3f}",
                f"{result.rows / result.seconds:,.0f}" if result.seconds else "-",
                f"{result.reference_seconds:.3f}" if result.reference_seconds else "-",
                f"{result.ratio:.1f}" if result.ratio is not None else "-",
            )
        )
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if column < 2 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )
