"""The one error readers raise when a file is not in the format they read."""
from __future__ import annotations


class DataFormatError(ValueError):
    """A data file does not have the shape its reader expects.

    The message names the file and the record, and says what was expected, so the fix
    (wrong file, wrong reader, truncated download) is clear without opening a debugger.
    """
