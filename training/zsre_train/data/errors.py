"""The one error readers raise when a file is not in the format they read."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator


class DataFormatError(ValueError):
    """A data file does not have the shape its reader expects.

    The message names the file and the record, and says what was expected, so the fix
    (wrong file, wrong reader, truncated download) is clear without opening a debugger.
    """


def grouped_records(path: Path, not_found_message: str) -> Iterator[tuple[str, list]]:
    """(relation id, records) pairs of a {relation id: [records]} JSON file (FewRel, Wiki-ZSL), in file order."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DataFormatError(not_found_message) from error
    if not isinstance(raw, dict):
        raise DataFormatError(f"{path}: expected a JSON object {{PID: [instances]}}, received {type(raw).__name__}")
    for pid, records in raw.items():
        if not isinstance(records, list):
            raise DataFormatError(f"{path}: relation {pid}: expected a list of instances, received {type(records).__name__}")
        yield pid, records
