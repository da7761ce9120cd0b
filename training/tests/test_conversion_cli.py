"""zsre_train/conversion_cli.py: the command line of the model-directory conversions (requantize_rows.py,
requantize_static.py, pool_cross_encoder.py): a refused conversion exits 1 and says the directory is
unchanged; an accepted one prints its record and writes it to --record."""
from __future__ import annotations

import json

from zsre_train.conversion_cli import conversion_parser, run_conversion
from zsre_train.onnx_graphs import ExportError


def test_refused_conversion_exits_1_and_writes_no_record(tmp_path, capsys):
    record = tmp_path / "out" / "record.json"
    args = conversion_parser("test", "data").parse_args(["--model", str(tmp_path), "--record", str(record)])

    def refuse() -> dict:
        raise ExportError("fails the gate")

    assert run_conversion(args, refuse, "static-quantization", "requantized") == 1
    err = capsys.readouterr().err
    assert f"conversion failed, {tmp_path} unchanged: fails the gate" in err
    assert not record.exists()


def test_accepted_conversion_prints_and_writes_its_record(tmp_path, capsys):
    record = tmp_path / "out" / "record.json"
    args = conversion_parser("test", "data").parse_args(["--model", str(tmp_path), "--threads", "1", "--record", str(record)])
    assert args.threads == 1
    assert run_conversion(args, lambda: {"heldOutSentences": 3}, "pooled-last-layer", "converted") == 0
    written = json.loads(record.read_text(encoding="utf-8"))
    assert written == {"benchmark": "pooled-last-layer", "event": "converted", "model": str(tmp_path), "heldOutSentences": 3}
    assert json.loads(capsys.readouterr().out) == written


def test_other_errors_are_not_swallowed(tmp_path):
    args = conversion_parser("test", "data").parse_args(["--model", str(tmp_path)])

    def crash() -> dict:
        raise ValueError("a bug")

    try:
        run_conversion(args, crash, "row-quantization", "requantized")
    except ValueError as error:
        assert str(error) == "a bug"
    else:
        raise AssertionError("a crash that is not a refused conversion must propagate")
