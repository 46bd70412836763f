"""The import-linter contracts in pyproject.toml hold.

Three contracts: the layers import only downward, no package's modules import each other in a
cycle, and nothing below the request layer imports the LSP libraries. ``lint-imports`` builds
the import graph of ``server/tether`` (function-level imports included, ``if TYPE_CHECKING:``
blocks left out); docs/architecture.md ("Layers") says why the order is what it is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "server" / "tether"


def _contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return contract


def test_layers_import_only_downward() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "server"), os.environ.get("PYTHONPATH", "")) if p)}
    run = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert ", 0 broken" in run.stdout


def test_every_module_has_a_layer() -> None:
    # A new top-level module or package outside the contract would be checked against nothing.
    layered = {name.strip() for layer in _contract()["layers"] for name in layer.split("|")}
    present = {
        f"tether.{p.stem}"
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem not in ("__init__", "__main__")) or (p.is_dir() and (p / "__init__.py").is_file())
    }
    assert present - layered == set(), "add these to [tool.importlinter] layers in pyproject.toml and docs/architecture.md"
    assert layered - present == set(), "the contract names modules that no longer exist"


def test_every_layer_below_the_requests_is_kept_from_lsp() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (forbidden,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "forbidden"]
    layers = _contract()["layers"]
    (requests,) = [i for i, layer in enumerate(layers) if "tether.lsp" in layer.split(" | ")]
    below = [name.strip() for layer in layers[requests + 1 :] for name in layer.split("|")]
    assert sorted(forbidden["source_modules"]) == sorted(below)
    assert {"pygls", "lsprotocol"} <= set(forbidden["forbidden_modules"])
