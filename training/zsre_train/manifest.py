"""manifest.json exactly as docs/model-directory.md shows it: format version 2, every file the
runtime reads listed with its sha256, sealed with the manifest digest (digest.py)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .backbone import BACKBONE_NAME, BACKBONE_SOURCE
from .config import Config
from .digest import seal
from .onnx_graphs import BI_INPUTS, BI_OUTPUTS, CROSS_INPUTS, CROSS_OUTPUTS
from .text import DESCRIPTION_TEMPLATE, MARKERS, NAME_ONLY_TEMPLATE

TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json"]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _io(names: list[str], shapes: dict[str, list], dtype: str) -> list[dict]:
    return [{"name": n, "dtype": dtype, "shape": shapes[n]} for n in names]


def _files(out: Path, stem: str) -> dict:
    return {p: {"file": f"{stem}.{p}.onnx", "sha256": sha256(out / f"{stem}.{p}.onnx")} for p in ("int8", "fp32")}


def backbone_block(config: Config, hidden_size: int) -> dict:
    if config.model.random_init is None:
        return {"name": BACKBONE_NAME, "source": BACKBONE_SOURCE, "hiddenSize": hidden_size, "license": "Apache-2.0"}
    return {"name": "random-tiny-bert", "source": "random-init (all-MiniLM-L6-v2 tokenizer)", "hiddenSize": hidden_size,
            "license": "Apache-2.0"}


def _tokenizer_files(out: Path) -> list[dict]:
    return [{"file": name, "sha256": sha256(out / name)} for name in TOKENIZER_FILES]


def build_manifest(config: Config, out: Path, hidden_size: int, fusion_block: dict, provenance: dict,
                   cross_input_names: list[str] = CROSS_INPUTS) -> dict:
    """The sealed manifest for the files already in `out` (graphs and tokenizer are hashed here).

    `cross_input_names`: the cross graph's inputs (onnx_graphs.cross_inputs; marker pooling adds head/tail index).
    """
    vector = 3 * hidden_size
    seq = ["batch", "sequence"]
    bi_shapes = {"input_ids": seq, "attention_mask": seq, "head_index": ["batch"], "tail_index": ["batch"],
                 "sentence_vector": ["batch", vector], "description_vector": ["batch", vector]}
    cross_shapes = {"input_ids": seq, "attention_mask": seq, "token_type_ids": seq, "head_index": ["batch"], "tail_index": ["batch"],
                    "score": ["batch"]}
    return seal({
        "format": "zsre-model",
        "formatVersion": 2,
        "name": config.name,
        "backbone": backbone_block(config, hidden_size),
        "tokenizer": {"files": _tokenizer_files(out), "lowercase": True},
        "markers": dict(MARKERS),
        "maxLength": {"sentence": config.model.max_sentence_length, "description": config.model.max_description_length},
        "description": {"template": DESCRIPTION_TEMPLATE, "nameOnlyTemplate": NAME_ONLY_TEMPLATE},
        "vectorSize": vector,
        "graphs": {
            "biEncoder": {"inputs": _io(BI_INPUTS, bi_shapes, "int64"), "outputs": _io(BI_OUTPUTS, bi_shapes, "float32"),
                          "files": _files(out, "bi_encoder")},
            "crossEncoder": {"inputs": _io(cross_input_names, cross_shapes, "int64"),
                             "outputs": _io(CROSS_OUTPUTS, cross_shapes, "float32"), "files": _files(out, "cross_encoder")},
        },
        "fusion": fusion_block,
        "provenance": provenance,
    })


def record_graph_sha256(manifest: dict, graphs: dict[str, Path]) -> None:
    """After a converter rewrote int8 graphs in place: their new sha256 in graphs.*.files.int8 and,
    where the provenance lists the file, there too. `graphs`: manifest graph key -> file."""
    for key, path in graphs.items():
        digest = sha256(path)
        manifest["graphs"][key]["files"]["int8"]["sha256"] = digest
        files = manifest["provenance"].get("files")
        if isinstance(files, dict) and path.name in files:
            files[path.name] = digest


def write_edited_manifest(model: Path, manifest: dict) -> dict:
    """Writes a deliberately edited manifest back (via a temporary file, so a crash cannot leave half
    of one); a format-2 manifest is resealed first, as the edit is the point. Returns what was written."""
    if manifest.get("formatVersion", 1) >= 2:
        manifest = seal(manifest)
    partial = model / "manifest.json.partial"
    partial.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    partial.replace(model / "manifest.json")
    return manifest


def emit_record(record: dict, path: Path | None) -> None:
    """A script's result: printed, and also written to `path` (its --record) when given."""
    text = json.dumps(record, indent=2)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    print(text)
