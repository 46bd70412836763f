"""Write a model slot and its roles into a tether.toml (the workspace's or the user's), keeping the rest.

The file is read and rewritten with tomlkit, which keeps comments, order and formatting of
everything it does not touch. What changes: ``[models.<slot>]`` (written whole when new; an existing
one with other settings only with ``replace``, else InputError; the same settings again: kept), each given role's
list in ``[roles]`` (the slot first, the slots the file already listed after it, so failover to them
still works), and for the next-edit role ``[next_edit] enabled = true`` and the prompt format (the
slot's own ``next_edit_format`` when the settings have that field, else ``[next_edit] format``).
The new file is validated as settings before it replaces the old one (atomically).
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ..config import DEFAULT_ROLES, FLAG_SLOT, ModelConfig, user_config_path
from ..errors import ConfigError, InputError
from .gguf_info import GgufInfo
from .presets import ROLES, Preset

DEFAULT_N_CTX = 8192  # tokens, when neither a preset nor the GGUF says better (capped by the trained window)


class SlotWrite(BaseModel):
    """What ``write_slot`` did: the file, the slot's table as written, the roles now led by it."""

    file: str
    slot: str
    settings: dict[str, Any]
    roles: list[str]
    next_edit_format: str | None = Field(None, description="The next-edit prompt format set with it (zeta, sweep), if any.")
    replaced: bool = Field(False, description="True when a different [models.<slot>] of that name was replaced (--replace).")
    other_roles: list[str] = Field(
        default_factory=list, description="Roles not asked for that already listed the slot, so they use the new settings too."
    )


def role_name(role: str) -> str:
    """The settings' name of a CLI role (``next-edit`` -> ``next_edit``). Raises InputError for an unknown one."""
    name = role.replace("-", "_")
    if name not in ROLES:
        raise InputError(f"Unknown role '{role}'; the roles a model can be pulled for are complete, edit and next-edit.")
    return name


def slot_name_for(text: str) -> str:
    """A TOML-friendly slot name from a file or repository name: lower case, ``[a-z0-9_-]`` only,
    the ``.gguf`` suffix and a ``-GGUF`` repository suffix dropped (``Qwen2.5-Coder-1.5B-Q8_0-GGUF`` ->
    ``qwen2-5-coder-1-5b-q8_0``)."""
    stem = Path(text.split("/")[-1]).name.removesuffix(".gguf")
    stem = re.sub(r"[-_.]gguf$", "", stem, flags=re.I)
    return re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-") or "model"


def slot_settings(path: Path, info: GgufInfo | None, preset: Preset | None) -> dict[str, Any]:
    """The ``[models.<slot>]`` table for a local GGUF: ``path`` and ``n_ctx`` (tokens): the preset's,
    else ``DEFAULT_N_CTX`` capped by the GGUF's trained context. FIM style and chat template are
    not settings: the llama.cpp backend reads them from the GGUF (backends/fim.py)."""
    n_ctx = preset.n_ctx if preset else DEFAULT_N_CTX
    if info and info.context_length:
        n_ctx = min(n_ctx, info.context_length)
    return {"path": str(path), "n_ctx": max(n_ctx, 256)}


def endpoint_settings(base_url: str, model: str) -> dict[str, Any]:
    """The table of an OpenAI-compatible slot (a running Ollama found by ``discover``)."""
    return {"backend": "openai", "base_url": base_url, "model": model}


def config_file(workspace: Path, user: bool) -> Path:
    """The workspace's tether.toml, or the user's (``config.user_config_path``) when ``user``."""
    return user_config_path() if user else Path(workspace) / "tether.toml"


def write_slot(
    file: Path,
    slot: str,
    settings: dict[str, Any],
    roles: list[str],
    next_edit_format: str | None = None,
    comment: str | None = None,
    replace: bool = False,
) -> SlotWrite:
    """Add or replace ``[models.<slot>]`` in ``file`` and put ``slot`` first in each of ``roles``
    (settings names: complete, edit, next_edit). A ``[models.<slot>]`` already there with other
    settings is replaced only when ``replace`` (else InputError, exit 3, naming the slot and the
    file); the same settings again are kept as they are (its comments too). Raises ConfigError when
    the file is not valid TOML or the result is not valid settings (the file is then left as it was)."""
    import tomlkit

    try:
        ModelConfig(**settings)
    except ValidationError as exc:
        raise ConfigError(f"The slot '{slot}' would be invalid: {exc.errors()[0]['msg']}.") from exc
    text = file.read_text(encoding="utf-8") if file.exists() else ""
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}. Fix the file or remove it.") from exc
    models = doc.setdefault("models", tomlkit.table(is_super_table=True))
    wanted = dict(settings)
    if "next_edit" in roles and next_edit_format and "next_edit_format" in ModelConfig.model_fields:
        wanted["next_edit_format"] = next_edit_format
    old = models.get(slot)
    old_values = old.unwrap() if old is not None else None
    same = False
    if old_values is not None:  # a next_edit_format the slot has already is kept when this write sets none
        compare = old_values if "next_edit_format" in wanted else {k: v for k, v in old_values.items() if k != "next_edit_format"}
        same = compare == wanted
    if old is not None and not same and not replace:
        raise InputError(
            f"{file} already has a different [models.{slot}] ({_brief(old_values)}); it was left as it was. "
            f"Pass --slot NAME to write the model under another name, or --replace to replace [models.{slot}]."
        )
    role_table = doc.setdefault("roles", tomlkit.table())
    before_roles = {str(r): [str(v)] if isinstance(v, str) else [str(s) for s in v] for r, v in role_table.items()}
    table = old if same else tomlkit.table()
    if not same:
        if comment:
            table.add(tomlkit.comment(comment))
        for key, value in settings.items():
            table.add(key, value)
        models[slot] = table
    for role in roles:
        before = [s for s in before_roles.get(role, []) if s != slot]  # a single string is a one-slot list
        role_table[role] = [slot, *before]
    if "next_edit" in roles:
        section = doc.setdefault("next_edit", tomlkit.table())
        section["enabled"] = True  # asking for a next-edit model is asking for next-edit suggestions
        if next_edit_format and "next_edit_format" in ModelConfig.model_fields:
            if not same:
                table.add("next_edit_format", next_edit_format)
        elif next_edit_format:
            section["format"] = next_edit_format
    new_text = tomlkit.dumps(doc)
    _check(new_text, file)
    _replace(file, new_text)
    # Roles not asked for that will use the new settings too: those the file lists the slot in, and
    # for the bundled slot (every role's default) the roles the file leaves at their defaults.
    listing = {r for r, slots in before_roles.items() if slot in slots}
    if slot == FLAG_SLOT:
        listing |= {r for r, slots in DEFAULT_ROLES.items() if slot in slots and r not in before_roles}
    others = sorted(listing - set(roles)) if not same else []
    return SlotWrite(
        file=str(file),
        slot=slot,
        settings=settings,
        roles=roles,
        next_edit_format=next_edit_format,
        replaced=old is not None and not same,
        other_roles=others,
    )


def _brief(values: dict[str, Any] | None) -> str:
    """A slot's table in one line: ``path = '/m/a.gguf', n_ctx = 4096``."""
    return ", ".join(f"{k} = {v!r}" for k, v in (values or {}).items()) or "empty"


def _check(text: str, file: Path) -> None:
    """The new file must be valid settings on its own (its slots, roles naming defined slots)."""
    from ..config import Settings

    data = tomllib.loads(text)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(f"Writing {file} would make it invalid: {exc.errors()[0]['msg']}. The file was left as it was.") from exc
    for role, slots in settings.roles.items():
        missing = [s for s in slots if s not in settings.models and s != "bundled"]
        if missing:
            raise ConfigError(
                f"{file} lists slot '{missing[0]}' in role '{role}' but defines no [models.{missing[0]}]; fix that first. "
                "The file was left as it was."
            )


def _replace(file: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``file``, then rename it over ``file`` (atomic)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
