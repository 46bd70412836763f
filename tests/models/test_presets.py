"""Presets per role and the file choice of `pull`: pure functions, plus one pull of a preset's repository
from the fake hub, which needs no hand-written settings."""

from __future__ import annotations

import json
import tomllib

import pytest
from tests.fixtures.tiny_gguf import build_tiny_gguf
from tests.models.conftest import run_models

from tether.errors import ModelError
from tether.models.hub import PullSpec, choose_file, parse_spec, quant_of
from tether.models.presets import PRESETS, ROLES, SUGGESTED, preset_for_repo


def test_every_role_has_a_suggested_preset_with_a_source_and_a_pull_line():
    assert set(SUGGESTED) == set(ROLES)
    for preset in PRESETS:
        assert preset.source.startswith("https://huggingface.co/"), preset.key
        assert set(preset.roles) <= set(ROLES) and preset.quants and preset.n_ctx >= 2048
        assert ("complete" in preset.roles) == (preset.fim_style is not None), preset.key
        assert ("next_edit" in preset.roles) == (preset.next_edit_format in ("zeta", "sweep")), preset.key
    assert SUGGESTED["next_edit"].pull_line("next_edit") == "tether models pull sweepai/sweep-next-edit-1.5B --role next-edit"
    assert preset_for_repo("GGML-ORG/qwen2.5-coder-1.5b-q8_0-gguf") is SUGGESTED["complete"]


@pytest.mark.parametrize(
    ("filename", "quant"),
    [
        ("qwen2.5-coder-1.5b-q8_0.gguf", "Q8_0"),
        ("zed-industries_zeta-Q4_K_M.gguf", "Q4_K_M"),
        ("Qwen2.5-1.5B.IQ4_XS.gguf", "IQ4_XS"),
        ("qwen2.5-coder-7b-instruct-q5_k_m-00001-of-00002.gguf", "Q5_K_M"),
        ("model-f16.gguf", "F16"),
        ("model.gguf", None),
    ],
)
def test_quant_of_reads_the_tag_in_a_file_name(filename, quant):
    assert quant_of(filename) == quant


def test_choose_file_prefers_the_preset_quant_and_counts_a_split_model_once():
    files = ["m-q8_0.gguf", "m-q4_k_m-00001-of-00002.gguf", "m-q4_k_m-00002-of-00002.gguf", "m-q5_k_m.gguf"]
    spec = parse_spec("o/m-GGUF")
    assert choose_file(spec, files, preset_for_repo("Qwen/Qwen2.5-Coder-7B-Instruct-GGUF")) == "m-q4_k_m-00001-of-00002.gguf"
    assert choose_file(parse_spec("o/m-GGUF:Q8_0"), files) == "m-q8_0.gguf"
    with pytest.raises(ModelError, match="several GGUFs; .* Files: m-q4_k_m-00001-of-00002.gguf, m-q5_k_m.gguf, m-q8_0.gguf"):
        choose_file(spec, files)
    assert parse_spec("o/m:x.GGUF") == PullSpec("o/m", file="x.GGUF")


def test_pulling_a_preset_repository_writes_its_settings(hub, model_env, workspace, tmp_path):
    """sweepai/sweep-next-edit-1.5B served by the fake hub: the preset picks Q8_0 among two files and
    sets the next-edit prompt format to sweep, with no flag but --role."""
    q8 = build_tiny_gguf(tmp_path / "src" / "q8.gguf", "qwen", seed=3)
    q4 = build_tiny_gguf(tmp_path / "src" / "q4.gguf", "qwen", seed=4)
    hub.add("sweepai/sweep-next-edit-1.5B", {"sweep-next-edit-1.5b.q8_0.gguf": q8, "sweep-next-edit-1.5b.q4_k_m.gguf": q4})
    env = {**model_env, "HF_ENDPOINT": hub.url}
    result = run_models("-C", str(workspace), "models", "pull", "sweepai/sweep-next-edit-1.5B", "--role", "next-edit", "--json", env=env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["pulled"]["filename"] == "sweep-next-edit-1.5b.q8_0.gguf" and out["pulled"]["preset"] == "sweep-next-edit-1.5b"
    data = tomllib.loads((workspace / "tether.toml").read_text())
    slot = data["models"]["sweep-next-edit-1.5b"]
    assert (slot.get("next_edit_format") or data.get("next_edit", {}).get("format")) == "sweep"
    assert data["roles"]["next_edit"] == ["sweep-next-edit-1.5b"]
    assert "huggingface.co/sweepai/sweep-next-edit-1.5B" in (workspace / "tether.toml").read_text()  # the source, as a comment
