"""`tether bench lsp --json` runs end to end (a real server, the bundled model) and reports the overhead."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lsp_editor import server_env

pytestmark = pytest.mark.model


def test_bench_lsp_reports_overhead_without_model_time(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tether", "bench", "lsp", "--json", "--samples", "3"],
        cwd=tmp_path,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["bench"] == "lsp" and result["goal_p50_ms"] == 10.0
    for key in ("status_ms", "edit_action_ms", "complete_direct_ms", "complete_lsp_ms"):
        assert result[key]["n"] == 3 and result[key]["min"] > 0
    assert result["overhead_ms"]["n"] == 3
    assert isinstance(result["completion"], str)  # the bundled model's text, whatever it is
    assert isinstance(result["meets_goal"], bool)
