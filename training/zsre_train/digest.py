"""The manifest digest (docs/model-directory.md, "The manifest digest"), byte for byte as the
TypeScript loader computes it (src/model/canonicalJson.ts, src/model/integrity.ts).

Canonical JSON: no whitespace; object keys sorted by UTF-16 code units; strings escaped as
JSON.stringify does; numbers as ECMAScript's Number::toString writes them (shortest round-trip
digits, 1.0 -> "1", 1e-07 -> "1e-7", 1e21 -> "1e+21"), because the loader reads every number as a
double. The digest is the sha256 of the UTF-8 bytes of that text for the manifest without its
`manifestSha256` field.
"""
from __future__ import annotations

import hashlib
import json
import math

DIGEST_FIELD = "manifestSha256"
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SAFE_INTEGER = 2 ** 53


def _string(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF:  # control characters and lone surrogates, as JSON.stringify
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _number(value: int | float) -> str:
    if isinstance(value, int) and abs(value) <= _SAFE_INTEGER:
        return str(value)
    value = float(value)  # a larger int is read as the nearest double by the loader, and so here
    if not math.isfinite(value):
        raise ValueError(f"{value} has no JSON form")
    if value == 0:
        return "0"  # -0 included, as JSON.stringify
    sign = "-" if value < 0 else ""
    # float.__repr__ gives the shortest digits that round-trip (as ECMAScript), in Python's layout;
    # only the layout is redone below. float.__repr__, not repr(): numpy scalars repr differently.
    mantissa, _, exponent = float.__repr__(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    n = len(whole) + (int(exponent) if exponent else 0)  # value = 0.<digits> * 10**n
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    s = stripped.rstrip("0")
    k = len(s)
    if k <= n <= 21:
        return sign + s + "0" * (n - k)
    if 0 < n <= 21:
        return sign + s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + s
    e = n - 1
    exp = ("+" if e >= 0 else "-") + str(abs(e))
    return sign + (s if k == 1 else s[0] + "." + s[1:]) + "e" + exp


def canonical_json(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("canonical JSON object keys must be strings")
        keys = sorted(value, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(_string(key) + ":" + canonical_json(value[key]) for key in keys) + "}"
    raise TypeError(f"a {type(value).__name__} is not a JSON value")


def manifest_digest(manifest: dict) -> str:
    """sha256 of the canonical JSON of `manifest` without its digest field, as the file will be read back."""
    # Round-trip through json first: the digest is of what a reader parses (tuples become lists,
    # numpy float64 becomes float), not of the Python objects that happened to build it.
    content = {key: value for key, value in json.loads(json.dumps(manifest)).items() if key != DIGEST_FIELD}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def seal(manifest: dict) -> dict:
    """A copy of `manifest` with its digest set, last."""
    content = {key: value for key, value in manifest.items() if key != DIGEST_FIELD}
    return {**content, DIGEST_FIELD: manifest_digest(content)}
