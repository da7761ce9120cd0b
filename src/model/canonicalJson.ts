/**
 * The canonical JSON text of a parsed JSON value, as docs/model-directory.md defines it (the
 * manifest digest hashes these bytes; training/zsre_train/manifest.py writes the same text):
 * no whitespace, object keys sorted by UTF-16 code units, strings and numbers exactly as
 * JSON.stringify writes them (ECMAScript Number::toString: shortest round-trip digits, "1" for
 * 1.0, "1e-7", "1e+21"; -0 as "0"). Array order is kept.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    // JSON.parse never yields these; a value built in code might, and JSON has no text for them.
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units, which is the order the format specifies.
    const keys = Object.keys(record).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} is not a JSON value`);
}
