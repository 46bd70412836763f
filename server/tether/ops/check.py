"""The check command: the one program the repo agent may run, and the scratch copy it runs in.

Only a command the user configured runs (``--check``, or over LSP once the user approved it):
split with ``shlex`` and started without a shell, so nothing the model writes can become part
of a command line. It runs in a scratch copy of the workspace holding the proposed edits, so a
check never writes into the workspace before the user accepts anything; output is captured,
truncated to its tail, and the whole process group is killed at the timeout or on cancel.

The check gets tether's own environment minus tether's virtualenv (``check_env``): a check such
as ``pytest`` found first on PATH in tether's virtualenv would test the project with tether's
packages (and crash). ``RepoOptions.check_env = "inherit"`` (CLI ``--check-env inherit``) keeps it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

from ..errors import InputError
from ..workspace import write_atomic

OUTPUT_MAX_CHARS = 4000
# Not copied into the scratch tree: version control, tether's data, caches a check rebuilds.
_SKIP = frozenset({".git", ".hg", ".svn", ".tether", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
# Too big to copy and only read by checks: linked to the original instead.
_LINK = frozenset({"node_modules", ".venv", "venv", ".tox", ".nox", "target"})


class CheckResult(BaseModel):
    command: list[str]
    passed: bool
    exit_code: int | None
    timed_out: bool = False
    seconds: float
    output: str  # the tail of stdout and stderr together

    def summary(self) -> str:
        shown = shlex.join(self.command)
        if self.passed:
            return f"`{shown}` passed."
        if self.timed_out:
            return f"`{shown}` timed out after {self.seconds:.0f}s."
        return f"`{shown}` failed (exit {self.exit_code})."

    def same_failure(self, other: CheckResult | None) -> bool:
        """Whether both failed with the same exit code and the same output once timings and addresses
        are masked: edits that leave a failing check failing like this changed nothing it sees."""
        if other is None or self.passed or other.passed:
            return False
        return (self.exit_code, self.timed_out, _masked(self.output)) == (other.exit_code, other.timed_out, _masked(other.output))


# Parts of a check's output that differ between two runs of the same failure: durations
# ("in 0.03s", "1.2 seconds") and object addresses ("0x7f3a...").
_NOISE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:s|ms|sec|secs|seconds)\b|0x[0-9a-fA-F]+")


def _masked(output: str) -> str:
    return _NOISE.sub("#", output)


def check_env(inherit: bool = False, environ: Mapping[str, str] | None = None, workspace: Path | None = None) -> dict[str, str]:
    """The environment a check runs in: ``environ`` (default ``os.environ``) without tether's own
    virtualenv, unless ``inherit``.

    Without: ``VIRTUAL_ENV`` unset, and the PATH entries of tether's interpreter prefix
    (``sys.prefix``'s ``bin``/``Scripts``, and ``$VIRTUAL_ENV/bin``) dropped, only when tether runs
    in a virtualenv (``sys.prefix != sys.base_prefix``), so a system interpreter's ``/usr/bin`` stays.
    A virtualenv inside ``workspace`` (the project's own ``.venv`` that tether is installed in) is
    the project's, not tether's: it stays.
    """
    env = dict(os.environ if environ is None else environ)
    if inherit:
        return env
    root = Path(workspace).resolve() if workspace is not None else None

    def owned(venv: Path) -> bool:  # the project's own virtualenv
        return root is not None and (venv.resolve() == root or root in venv.resolve().parents)

    venvs = [Path(v) for v in (env.get("VIRTUAL_ENV"),) if v]
    if sys.prefix != sys.base_prefix:
        venvs.append(Path(sys.prefix))
    if any(owned(v) for v in venvs):
        return env
    env.pop("VIRTUAL_ENV", None)
    drop = {os.path.normcase(os.path.realpath(v / sub)) for v in venvs for sub in ("bin", "Scripts")}
    kept = [e for e in env.get("PATH", "").split(os.pathsep) if e and os.path.normcase(os.path.realpath(e)) not in drop]
    env["PATH"] = os.pathsep.join(kept)
    return env


def parse_check(command: str | list[str]) -> list[str]:
    """The check command as an argv; InputError when empty or unparseable."""
    try:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
    except ValueError as exc:
        raise InputError(f"The check command {command!r} cannot be parsed: {exc}.") from exc
    if not argv or not argv[0].strip():
        raise InputError("The check command is empty; pass a program to run, like --check 'python -m pytest -q'.")
    return argv


async def run_check(
    argv: list[str], cwd: Path, timeout_s: float, max_chars: int = OUTPUT_MAX_CHARS, env: Mapping[str, str] | None = None
) -> CheckResult:
    """Run ``argv`` in ``cwd`` with ``env`` (default: ``check_env()``, tether's virtualenv left out);
    the result says whether it exited 0 within ``timeout_s`` (seconds). ``output``: the last
    ``max_chars`` characters of stdout and stderr. Raises InputError when the program is missing."""
    started = time.perf_counter()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(check_env() if env is None else env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise InputError(
            f"The check command's program {argv[0]!r} was not found; is it installed and on PATH? "
            "(The check runs without tether's own virtualenv on PATH; --check-env inherit keeps it.)"
        ) from exc
    except PermissionError as exc:
        raise InputError(f"The check command's program {argv[0]!r} is not executable.") from exc
    timed_out = False
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        timed_out = True
        _kill(proc)
        out, _ = await proc.communicate()
    except BaseException:  # cancelled: take the check down with the run
        _kill(proc)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), 5)
        raise
    text = (out or b"").decode("utf-8", "replace")
    if len(text) > max_chars:
        text = "[... output cut ...]\n" + text[-max_chars:]
    return CheckResult(
        command=argv,
        passed=proc.returncode == 0 and not timed_out,
        exit_code=proc.returncode,
        timed_out=timed_out,
        seconds=round(time.perf_counter() - started, 3),
        output=text,
    )


def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


class Scratch:
    """A throwaway copy of the workspace; proposed edits are written here, never to the workspace."""

    def __init__(self, root: Path):
        self._tmp = tempfile.TemporaryDirectory(prefix="tether-check-")
        self.root = Path(self._tmp.name) / Path(root).name
        _copy(Path(root), self.root)

    def write(self, rel: str, text: str) -> None:
        target = (self.root / rel).resolve()
        if self.root.resolve() not in target.parents:
            raise InputError(f"{rel} is outside the scratch copy.")
        write_atomic(target, text)

    def remove(self, rel: str) -> None:
        """Delete ``rel`` from the scratch copy (a proposed deletion or the old side of a rename); missing is fine."""
        root = self.root.resolve()
        target = root / rel
        folder = target.parent.resolve()
        if ".." in Path(rel).parts or (folder != root and root not in folder.parents):
            raise InputError(f"{rel} is outside the scratch copy.")
        target.unlink(missing_ok=True)  # a link itself is removed, never what it points to

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _copy(src: Path, dst: Path) -> None:
    linked: list[tuple[Path, Path]] = []

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in _SKIP}
        for name in names:
            if name in _LINK and (Path(folder) / name).is_dir():
                skipped.add(name)
                linked.append((Path(folder) / name, dst / Path(folder).relative_to(src) / name))
        return skipped

    shutil.copytree(src, dst, symlinks=True, ignore=ignore)
    for original, link in linked:
        link.symlink_to(original, target_is_directory=True)
