"""The manifest digest: the same canonical bytes as the TypeScript loader, and an exporter
manifest (format 2) that lists every file's sha256 and is sealed over all of its content."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from zsre_train.config import load_config
from zsre_train.digest import canonical_json, manifest_digest, seal
from zsre_train.manifest import build_manifest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "test" / "fixtures" / "tiny-model"
SHIPPED = REPO / "models" / "zsre-minilm-l6-general"
# Hand-written vectors shared with test/integrity.test.ts.
VECTORS = json.loads((REPO / "test" / "fixtures" / "canonical-json.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", VECTORS["cases"], ids=[case["what"] for case in VECTORS["cases"]])
def test_canonical_json_vectors(case):
    assert canonical_json(json.loads(case["json"])) == case["canonical"]


def test_digest_vector_leaves_the_digest_field_out():
    vector = VECTORS["digest"]
    manifest = json.loads(vector["json"])
    assert hashlib.sha256(vector["canonicalWithoutDigest"].encode("utf-8")).hexdigest() == vector["sha256"]
    assert manifest_digest(manifest) == vector["sha256"]
    assert manifest_digest({**manifest, "manifestSha256": "f" * 64}) == vector["sha256"]


def test_numbers_python_writes_differently_from_javascript():
    assert canonical_json([1.0, -0.0, 1e-07, 1e16, 1e21, 2.5e-05, 123.0e-2, 10**22, True]) == \
        "[1,0,1e-7,10000000000000000,1e+21,0.000025,1.23,1e+22,true]"
    assert canonical_json({"a": np.float64(0.1)}) == '{"a":0.1}'  # float.__repr__, not numpy's repr
    with pytest.raises(ValueError):
        canonical_json(float("nan"))


@pytest.mark.parametrize("directory", [FIXTURE, SHIPPED], ids=["fixture", "shipped"])
def test_committed_manifests_verify_in_python(directory):
    # They were sealed by scripts/seal-model.ts (TypeScript): the same digest here means the same bytes.
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formatVersion"] == 2
    assert manifest_digest(manifest) == manifest["manifestSha256"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """build_manifest over a copy of the fixture's files, with the fixture's fusion and provenance."""
    out = tmp_path_factory.mktemp("export")
    for path in FIXTURE.iterdir():
        if path.name != "manifest.json":
            shutil.copy(path, out / path.name)
    committed = json.loads((FIXTURE / "manifest.json").read_text(encoding="utf-8"))
    config = load_config(REPO / "training" / "configs" / "tiny.yaml")
    return config, out, committed


def build(exported, fusion=None):
    config, out, committed = exported
    return build_manifest(config, out, committed["backbone"]["hiddenSize"], fusion or committed["fusion"], committed["provenance"])


def test_exporter_writes_what_the_seal_tool_wrote(exported):
    # Same files and parameters: the exporter's manifest equals the committed, TypeScript-sealed one.
    assert build(exported) == exported[2]


def test_exporter_manifest_lists_every_file_and_is_sealed(exported):
    _, out, _ = exported
    manifest = build(exported)
    assert manifest["formatVersion"] == 2 and list(manifest)[-1] == "manifestSha256"
    refs = manifest["tokenizer"]["files"]
    assert [ref["file"] for ref in refs] == ["tokenizer.json", "tokenizer_config.json"]
    for ref in refs + [entry for graph in manifest["graphs"].values() for entry in graph["files"].values()]:
        assert hashlib.sha256((out / ref["file"]).read_bytes()).hexdigest() == ref["sha256"]
    # As export.py writes it and the loader reads it back.
    written = json.loads(json.dumps(manifest, indent=2))
    assert manifest_digest(written) == manifest["manifestSha256"]


def test_digest_covers_fusion_whatever_its_fields(exported):
    base = build(exported)
    fusion = exported[2]["fusion"]
    changed = build(exported, {**fusion, "threshold": 0.9})
    added = build(exported, {**fusion, "temperature": 1.0})
    numpy_floats = build(exported, {**fusion, "biWeight": np.float64(fusion["biWeight"])})
    assert len({base["manifestSha256"], changed["manifestSha256"], added["manifestSha256"]}) == 3
    assert numpy_floats["manifestSha256"] == base["manifestSha256"]


def test_a_changed_tokenizer_file_changes_the_manifest(exported):
    _, out, _ = exported
    before = build(exported)
    path = out / "tokenizer_config.json"
    original = path.read_bytes()
    try:
        path.write_bytes(original + b" ")
        after = build(exported)
    finally:
        path.write_bytes(original)
    assert after["tokenizer"]["files"][1]["sha256"] != before["tokenizer"]["files"][1]["sha256"]
    assert after["manifestSha256"] != before["manifestSha256"]


def test_seal_replaces_a_stale_digest():
    sealed = seal({"formatVersion": 2, "manifestSha256": "0" * 64, "fusion": {"threshold": 0.5}})
    assert sealed["manifestSha256"] == manifest_digest(sealed) != "0" * 64
