"""Relation inventories: id, name and one-sentence description for each label set.

- fewrel_relations: the 80 FewRel relations, from fewrel/pid2name.json (default) or from the
  RE-Matching/EMMA strings in fewrel/relation_descriptions.json (source="re_matching").
  The two disagree: pid2name holds a newer Wikidata wording; the RE-Matching strings ("name is
  description") have 3 different names (P1923, P3450, P364) and 44 of 80 differ in wording
  (curly quotes, older text, some cut short: P449 ends in "including", P2094 in "inclusio").
  Use source="re_matching" to reproduce the papers' inputs.
- wikizsl_relations: the 113 Wiki-ZSL relations, the same two sources (pid2name lacks 4 of
  them, P569/P570/P571/P577, which come from wikidata/properties.json).
- wikidata_relations: all 11,665 properties of wikidata/properties.json.
- extra_relations: the team's hand-written descriptions of the extra data sets' labels.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from .errors import DataFormatError
from .instance import RelationInfo
from .paths import DEFAULT_DATA_DIR, TEAM_DESCRIPTIONS_PATH
from .splits import FEWREL_PIDS

Source = Literal["pid2name", "re_matching"]
# pid2name.json's placeholder for a property without a description.
_NO_DESCRIPTION = "No description defined"


def _load_json(path: Path, what: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DataFormatError(f"{what} not found: {path}; pass the data directory that holds it "
                              f"(default {DEFAULT_DATA_DIR})") from error


def _clean(description: str | None) -> str | None:
    if description is None:
        return None
    description = description.strip()
    return None if not description or description == _NO_DESCRIPTION else description


def split_name_is_description(text: str) -> tuple[str, str | None]:
    """Split an RE-Matching string "name is description" at its first " is ".

    No FewRel or Wiki-ZSL relation name contains " is ", while descriptions often do
    ("country of citizenship is the object is a country ..."), so the first one is the seam.
    """
    name, sep, description = text.partition(" is ")
    if not sep:
        return text.strip(), None
    return name.strip(), _clean(description)


def _pid2name(data_dir: Path) -> dict[str, RelationInfo]:
    raw = _load_json(data_dir / "fewrel" / "pid2name.json", "fewrel/pid2name.json")
    if not isinstance(raw, dict):
        raise DataFormatError(f"{data_dir}/fewrel/pid2name.json: expected {{PID: [name, description]}}")
    return {pid: RelationInfo(pid, value[0], _clean(value[1] if len(value) > 1 else None)) for pid, value in raw.items()}


def wikidata_relations(data_dir: str | Path = DEFAULT_DATA_DIR) -> dict[str, RelationInfo]:
    """All Wikidata properties of wikidata/properties.json, in file order (93 have no description)."""
    path = Path(data_dir) / "wikidata" / "properties.json"
    raw = _load_json(path, "wikidata/properties.json")
    if not isinstance(raw, list):
        raise DataFormatError(f"{path}: expected a list of {{property, propertyLabel, propertyDescription}}")
    relations: dict[str, RelationInfo] = {}
    for index, item in enumerate(raw):
        try:
            pid = item["property"].rsplit("/", 1)[-1]
            label = item["propertyLabel"]
        except (KeyError, TypeError, AttributeError) as error:
            raise DataFormatError(f"{path}: entry {index}: expected 'property' (a URL ending in the PID) and 'propertyLabel'") from error
        relations[pid] = RelationInfo(pid, label, _clean(item.get("propertyDescription")))
    return relations


def wikidata_label_index(data_dir: str | Path = DEFAULT_DATA_DIR) -> dict[str, str]:
    """Exact property label -> PID, for labels that name exactly one property."""
    owners: dict[str, list[str]] = {}
    for info in wikidata_relations(data_dir).values():
        owners.setdefault(info.name, []).append(info.id)
    return {label: pids[0] for label, pids in owners.items() if len(pids) == 1}


def _from_re_matching(path: Path, what: str) -> dict[str, RelationInfo]:
    raw = _load_json(path, what)
    if not isinstance(raw, dict):
        raise DataFormatError(f"{path}: expected {{PID: \"name is description\"}}")
    return {pid: RelationInfo(pid, *split_name_is_description(text)) for pid, text in raw.items()}


def fewrel_relations(data_dir: str | Path = DEFAULT_DATA_DIR, source: Source = "pid2name") -> dict[str, RelationInfo]:
    """The 80 FewRel relations (training file order, then the protocol's validation order)."""
    data_dir = Path(data_dir)
    if source == "pid2name":
        table = _pid2name(data_dir)
    elif source == "re_matching":
        table = _from_re_matching(data_dir / "fewrel" / "relation_descriptions.json", "fewrel/relation_descriptions.json")
    else:
        raise ValueError(f"Invalid source: expected 'pid2name' or 're_matching', received {source!r}")
    missing = [pid for pid in FEWREL_PIDS if pid not in table]
    if missing:
        raise DataFormatError(f"{data_dir}: no {source} entry for FewRel relations {missing}")
    return {pid: table[pid] for pid in FEWREL_PIDS}


def pid2name_relations(ids: list[str], data_dir: str | Path = DEFAULT_DATA_DIR) -> list[RelationInfo]:
    """The given relations from fewrel/pid2name.json, in the given order (the TypeScript benchmark's
    `fewrelRelations`); unlike fewrel_relations it needs only their entries."""
    table = _pid2name(Path(data_dir))
    missing = [pid for pid in ids if pid not in table]
    if missing:
        raise DataFormatError(f"{data_dir}/fewrel/pid2name.json has no entry for {missing}")
    return [table[pid] for pid in ids]


def wikizsl_relations(data_dir: str | Path = DEFAULT_DATA_DIR, source: Source = "pid2name") -> dict[str, RelationInfo]:
    """The 113 Wiki-ZSL relations (the keys of wikizsl/relation_descriptions.json), sorted by PID string."""
    data_dir = Path(data_dir)
    shipped = _from_re_matching(data_dir / "wikizsl" / "relation_descriptions.json", "wikizsl/relation_descriptions.json")
    if source == "re_matching":
        return {pid: shipped[pid] for pid in sorted(shipped)}
    if source != "pid2name":
        raise ValueError(f"Invalid source: expected 'pid2name' or 're_matching', received {source!r}")
    pid2name = _pid2name(data_dir)
    wikidata = wikidata_relations(data_dir)
    result: dict[str, RelationInfo] = {}
    for pid in sorted(shipped):
        info = pid2name.get(pid) or wikidata.get(pid)
        if info is None:
            raise DataFormatError(f"{data_dir}: Wiki-ZSL relation {pid} is in neither fewrel/pid2name.json nor wikidata/properties.json")
        result[pid] = info
    return result


def extra_relations(path: str | Path = TEAM_DESCRIPTIONS_PATH) -> dict[str, RelationInfo]:
    """The team's descriptions of the extra data sets' labels: {id: {"name", "description"}}."""
    path = Path(path)
    raw = _load_json(path, "team relation descriptions")
    if not isinstance(raw, dict):
        raise DataFormatError(f"{path}: expected {{id: {{\"name\": ..., \"description\": ...}}}}")
    relations = {}
    for relation_id, entry in raw.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("description"), str)):
            raise DataFormatError(f"{path}: {relation_id}: expected {{\"name\": str, \"description\": str}}, received {entry!r:.120}")
        relations[relation_id] = RelationInfo(relation_id, entry["name"], entry["description"])
    return relations
