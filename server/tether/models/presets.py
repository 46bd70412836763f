"""Known-good models per role, so `tether models pull REPO --role ...` needs no hand-written settings.

Each preset names a Hugging Face GGUF repository, the quantizations to prefer (the first one the
repository holds is pulled when the spec names none), the roles it is good for, and the slot
settings that go with it. Sources, one per family (model cards on Hugging Face):

- Qwen2.5-Coder base models (FIM): https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B ("Fill in the
  middle": ``<|fim_prefix|>``, ``<|fim_suffix|>``, ``<|fim_middle|>``; context 32,768 tokens). The
  GGUFs are ggml-org's, the ones llama.vscode's presets download
  (https://huggingface.co/ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF, file qwen2.5-coder-1.5b-q8_0.gguf;
  https://github.com/ggml-org/llama.vscode README, "Recommended LLMs"). Stop texts: ``<|endoftext|>``,
  ``<|fim_pad|>``, ``<|file_sep|>`` (Qwen2.5-Coder technical report, arXiv:2409.12186, section 3;
  tether's backends/fim.py finds them in the vocabulary itself).
- Qwen2.5-Coder-Instruct (edits, chat template in the GGUF):
  https://huggingface.co/Qwen/Qwen2.5-Coder-7B-Instruct-GGUF and the 1.5B one; context 32,768.
- Zeta (Zed's next-edit model, a Qwen2.5-Coder-7B fine-tune): https://huggingface.co/zed-industries/zeta;
  GGUF by bartowski: https://huggingface.co/bartowski/zed-industries_zeta-GGUF. Prompt format
  ``zeta`` (prompts/next_edit.py).
- Sweep Next-Edit 1.5B: https://huggingface.co/sweepai/sweep-next-edit-1.5B (GGUF in the repository;
  prompt format ``sweep``, prompts/next_edit_sweep.py; https://blog.sweep.dev/posts/oss-next-edit).

``n_ctx`` is what tether loads the model with: below the trained window, sized for a completion
prompt (prefix + suffix, ``[complete] max_prefix_chars``) or an edit prompt on a laptop's memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("complete", "edit", "next_edit")  # the settings' role names; the CLI spells next_edit "next-edit"


@dataclass(frozen=True)
class Preset:
    """One known model. ``quants``: preferred quantization tags, best first (``Q8_0`` for small
    FIM models, whose quality drops quickly below 8 bits; ``Q4_K_M`` for 7B ones). ``n_ctx``:
    tokens. ``fim_style``: the FIM token family (backends/fim.py) or None. ``next_edit_format``:
    the ``[next_edit] format`` its next-edit role needs, or None. ``source``: the model card."""

    key: str
    repo: str
    roles: tuple[str, ...]
    quants: tuple[str, ...]
    n_ctx: int
    source: str
    fim_style: str | None = None
    next_edit_format: str | None = None
    chat_template: bool = False
    stops: tuple[str, ...] = field(default_factory=tuple)
    size_note: str = ""

    def pull_line(self, role: str) -> str:
        """The command that pulls this model into ``role`` (CLI spelling of the role)."""
        return f"tether models pull {self.repo} --role {role.replace('_', '-')}"


_QWEN_FIM_STOPS = ("<|endoftext|>", "<|fim_pad|>", "<|file_sep|>")

PRESETS: tuple[Preset, ...] = (
    Preset(
        key="qwen2.5-coder-1.5b",
        repo="ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF",
        roles=("complete",),
        quants=("Q8_0",),
        n_ctx=8192,
        fim_style="qwen",
        stops=_QWEN_FIM_STOPS,
        source="https://huggingface.co/ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF",
        size_note="1.6 GB; fast on a CPU, instant on a GPU",
    ),
    Preset(
        key="qwen2.5-coder-0.5b",
        repo="ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF",
        roles=("complete",),
        quants=("Q8_0",),
        n_ctx=8192,
        fim_style="qwen",
        stops=_QWEN_FIM_STOPS,
        source="https://huggingface.co/ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF",
        size_note="0.5 GB; for slow CPUs",
    ),
    Preset(
        key="qwen2.5-coder-7b",
        repo="ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF",
        roles=("complete",),
        quants=("Q8_0",),
        n_ctx=8192,
        fim_style="qwen",
        stops=_QWEN_FIM_STOPS,
        source="https://huggingface.co/ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF",
        size_note="8 GB; wants a GPU",
    ),
    Preset(
        key="qwen2.5-coder-7b-instruct",
        repo="Qwen/Qwen2.5-Coder-7B-Instruct-GGUF",
        roles=("edit",),
        quants=("Q4_K_M", "Q5_K_M", "Q8_0"),
        n_ctx=16384,
        chat_template=True,
        source="https://huggingface.co/Qwen/Qwen2.5-Coder-7B-Instruct-GGUF",
        size_note="4.7 GB at Q4_K_M",
    ),
    Preset(
        key="qwen2.5-coder-1.5b-instruct",
        repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
        roles=("edit",),
        quants=("Q8_0", "Q4_K_M"),
        n_ctx=16384,
        chat_template=True,
        source="https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
        size_note="1.9 GB at Q8_0; for machines without a GPU",
    ),
    Preset(
        key="sweep-next-edit-1.5b",
        repo="sweepai/sweep-next-edit-1.5B",
        roles=("next_edit",),
        quants=("Q8_0", "Q4_K_M"),
        n_ctx=8192,
        next_edit_format="sweep",
        stops=("<|file_sep|>", "</s>"),
        source="https://huggingface.co/sweepai/sweep-next-edit-1.5B",
        size_note="1.6 GB; under 500 ms a suggestion on a laptop (Sweep's blog)",
    ),
    Preset(
        key="zeta",
        repo="bartowski/zed-industries_zeta-GGUF",
        roles=("next_edit",),
        quants=("Q4_K_M", "Q5_K_M", "Q8_0"),
        n_ctx=8192,
        next_edit_format="zeta",
        source="https://huggingface.co/zed-industries/zeta",
        size_note="4.7 GB at Q4_K_M; wants a GPU",
    ),
)

# The first preset of each role is what `tether doctor` suggests when the role lacks a capable model.
SUGGESTED = {role: next(p for p in PRESETS if role in p.roles) for role in ROLES}


def suggest(role: str, gpu: bool) -> Preset:
    """The preset to pull for ``role`` (complete, edit, next_edit): ``SUGGESTED``, except that edits
    on a llama.cpp build without GPU offload get the 1.5B instruct model (a 7B one decodes a few
    tokens a second on a laptop CPU)."""
    if role == "edit" and not gpu:
        return next(p for p in PRESETS if p.key == "qwen2.5-coder-1.5b-instruct")
    return SUGGESTED[role]


def preset_for_repo(repo: str) -> Preset | None:
    """The preset of a Hugging Face repository id (case-insensitive), or None."""
    return next((p for p in PRESETS if p.repo.lower() == repo.lower()), None)


def presets_for_role(role: str) -> list[Preset]:
    """The presets good for ``role`` (complete, edit or next_edit), in the order above."""
    return [p for p in PRESETS if role in p.roles]
