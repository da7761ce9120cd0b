"""The manifest edits converters and fitters share (zsre_train.manifest): new graph sha256s, a
resealed manifest written whole, and the --record output."""
from __future__ import annotations

import json

from zsre_train.digest import seal
from zsre_train.manifest import emit_record, record_graph_sha256, sha256, write_edited_manifest


def _manifest() -> dict:
    return {"formatVersion": 2, "graphs": {"biEncoder": {"files": {"int8": {"file": "bi.onnx", "sha256": "0" * 64}}}},
            "provenance": {"files": {"bi.onnx": "0" * 64, "other.json": "1" * 64}}, "fusion": {"threshold": 0.5}}


def test_record_graph_sha256_updates_the_graph_and_the_provenance(tmp_path):
    graph = tmp_path / "bi.onnx"
    graph.write_bytes(b"new graph bytes")
    manifest = _manifest()
    record_graph_sha256(manifest, {"biEncoder": graph})
    assert manifest["graphs"]["biEncoder"]["files"]["int8"]["sha256"] == sha256(graph)
    assert manifest["provenance"]["files"] == {"bi.onnx": sha256(graph), "other.json": "1" * 64}


def test_write_edited_manifest_reseals_and_leaves_no_partial_file(tmp_path):
    manifest = seal(_manifest())
    manifest["fusion"]["threshold"] = 0.7  # a deliberate edit: the old digest no longer holds
    written = write_edited_manifest(tmp_path, manifest)
    on_disk = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == written and on_disk["fusion"]["threshold"] == 0.7
    assert on_disk["manifestSha256"] == seal({k: v for k, v in on_disk.items() if k != "manifestSha256"})["manifestSha256"]
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_format_1_manifest_is_written_unsealed(tmp_path):
    manifest = {**_manifest(), "formatVersion": 1}
    write_edited_manifest(tmp_path, manifest)
    assert "manifestSha256" not in json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))


def test_emit_record_prints_and_writes_the_record(tmp_path, capsys):
    emit_record({"benchmark": "x", "value": 1}, tmp_path / "deep" / "record.json")
    assert json.loads(capsys.readouterr().out) == {"benchmark": "x", "value": 1}
    assert json.loads((tmp_path / "deep" / "record.json").read_text(encoding="utf-8")) == {"benchmark": "x", "value": 1}
    emit_record({"benchmark": "y"}, None)
    assert json.loads(capsys.readouterr().out) == {"benchmark": "y"}
