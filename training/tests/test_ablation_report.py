"""ablation_report.render_depths: step curves of cross-encoders of different depths, side by side."""
from __future__ import annotations

from ablation_report import render_curve, render_depths


def curve(run, layers, steps, fullcross):
    def methods(f1):
        return {"bi": {"f1": 78.0}, "fullcross": {"f1": f1}, "emma_k3": {"f1": 80.0}}
    cross = {"pooling": "markers", "init": "bi_encoder", "k": 5, "hardNegatives": 3, "batchSize": 16, "maxSteps": 1500}
    if layers is not None:
        cross["layers"] = layers
    return {"run": run, "crossEncoder": cross,
            "sets": {"fewrelHeldOut": {"sentences": 500, "relations": ["P1"] * 10}, "chemprot": {"sentences": 507, "relations": ["x"] * 12}},
            "points": [{"step": s, "fusion": {"crossWeight": 0.1},
                        "fewrelHeldOut": {"methods": methods(fullcross), "emmaMinusBi": 2.0},
                        "chemprot": {"methods": methods(20.0), "emmaMinusBi": -1.0}} for s in steps]}


def test_depths_are_compared_at_shared_steps_only():
    six = curve("six", None, [150, 500, 1500], 81.0)  # written before cross_encoder.layers: every layer
    three = curve("three", 3, [150, 500], 79.5)
    table = render_depths([three, six])
    assert "| 150 | 6 (all) | `six` | 81.00 / 80.00 | +2.00 | 20.00 / 80.00 | -1.00 |" in table
    assert "| 500 | 3 | `three` | 79.50 / 80.00 | +2.00 |" in table
    assert "| 1500 |" not in table  # only the 6-layer curve reached it
    # The 6-layer row comes first at each step.
    assert table.index("| 150 | 6 (all)") < table.index("| 150 | 3 |")
    assert "its first 3 layers only" in render_curve(three) and "all layers" in render_curve(six)


def test_no_comparison_without_two_depths():
    assert render_depths([curve("a", None, [150], 80.0), curve("b", 6, [500], 80.0)]) == ""
