"""`tether eval` on the bundled SmolLM2-135M (the default config): what holds for any reply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.conftest import run_tether


@pytest.mark.model
def test_bundled_eval_two_tasks_gives_a_consistent_report(tmp_path: Path) -> None:
    result = run_tether("-C", str(tmp_path), "eval", "--limit", "2", "--role", "both", "--timeout", "5", "--json", timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n_tasks"] == 2 and [s["role"] for s in report["roles"]] == ["complete", "edit"]
    assert len(report["results"]) == 4
    for summary in report["roles"]:
        mine = [r for r in report["results"] if r["role"] == summary["role"]]
        assert summary["n"] == len(mine) == 2 and summary["model"] == "bundled"
        identity = summary["model_identity"]
        assert identity["backend"] == "llamacpp" and identity["path"].endswith(".gguf") and identity["quantization"]
        assert summary["passed"] == sum(r["passed"] for r in mine) <= summary["valid"] == sum(r["valid"] for r in mine) <= 2
        assert 0.0 <= summary["pass_at_1"] <= 1.0 and 0.0 <= summary["valid_share"] <= 1.0
        assert summary["tokens_counted_by"] == "tokenizer" and summary["mean_latency_ms"] > 0
    for r in report["results"]:
        assert r["status"] in ("passed", "failed", "timeout", "invalid") and r["passed"] == (r["status"] == "passed")
        assert r["valid"] == (r["status"] != "invalid")
