"""File operations in review: what accepting or undoing a created, deleted or renamed file does.

A FileChange whose ``op`` is "create", "delete" or "rename" is decided whole (its hunks are
accepted or rejected together). Accepting it plans one disk operation (``plan_file_op``), which
``review.write_plans`` journals as a WriteIntent (``intent_for``) and performs (``perform``)
through the workspace's confined helpers; undoing it plans the inverse (``undo_file_op``). Before
anything is created, the path is held to the context rules (``check_allowed``): tether never
writes an ignored or secret-looking file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel

from ..context.files import is_excluded
from ..errors import InputError, LeashError, StaleError
from ..proposals import FileChange, FileIntent, HunkStatus
from ..workspace import Workspace, content_hash

Read = Callable[[str], str]


class FilePlan(BaseModel):
    """One file's write. ``op`` "write" rewrites ``path``; "create", "delete" and "rename" are file
    operations (``ops.fileops``) on ``from_path``/``to_path``, while ``path`` still names the
    FileChange whose hunks take the new status."""

    path: str
    hunk_ids: list[str]
    old_text: str
    new_text: str
    op: Literal["write", "create", "delete", "rename"] = "write"
    from_path: str | None = None
    to_path: str | None = None


def exists(read: Read, rel: str) -> bool:
    """Whether ``read`` finds a file at ``rel`` (a read that fails, for any reason, counts as absent;
    the workspace's ``create_text`` still refuses to clobber whatever is there)."""
    try:
        read(rel)
    except (InputError, OSError):
        return False
    return True


def plan_file_op(change: FileChange, hunk_ids: list[str], read: Read) -> FilePlan:
    """The disk operation accepting ``change`` (a file operation) means, checked against ``read``.

    ``read``: workspace-relative path -> current text (an editor buffer or the disk), raising
    InputError/OSError when there is no such file. Raises StaleError when a file to create (or
    rename to) exists now, or a file to delete (or rename) no longer holds the proposal's base
    text; InputError when it is gone. Nothing is written here.
    """
    if change.op == "create":
        if exists(read, change.path):
            raise StaleError(f"{change.path} exists now; the proposal creates it, and tether never overwrites a file. Reject it.")
        return FilePlan(path=change.path, hunk_ids=hunk_ids, old_text="", new_text=change.new_text, op="create", to_path=change.path)
    source = change.path if change.op == "delete" else change.old_path
    assert source is not None, "a rename names its old path"
    current = read(source)
    if content_hash(current) != change.base_hash:
        raise StaleError(
            f"{source} changed since this proposal was made; nothing was {change.op}d. Reject it and ask again on the current text."
        )
    if change.op == "delete":
        return FilePlan(path=change.path, hunk_ids=hunk_ids, old_text=current, new_text="", op="delete", from_path=source)
    if exists(read, change.path):
        raise StaleError(f"{change.path} exists now; renaming {source} onto it would overwrite it. Reject this proposal.")
    return FilePlan(
        path=change.path, hunk_ids=hunk_ids, old_text=current, new_text=change.new_text, op="rename", from_path=source, to_path=change.path
    )


def undo_file_op(change: FileChange, current: Callable[[str], str | None]) -> FilePlan:
    """The inverse of an accepted file operation: delete what was created, recreate what was
    deleted, rename back. ``current(rel)``: the text at ``rel`` now, None when absent. Raises
    StaleError when the files are no longer as the accept left them (nothing is written)."""
    ids = change.ids(HunkStatus.ACCEPTED)
    if change.op == "create":
        _still(current(change.path), change.new_text, change.path, "created")
        return FilePlan(path=change.path, hunk_ids=ids, old_text=change.new_text, new_text="", op="delete", from_path=change.path)
    if change.op == "delete":
        if current(change.path) is not None:
            raise StaleError(f"{change.path} exists again; undoing its deletion would overwrite it, so nothing was undone.")
        return FilePlan(path=change.path, hunk_ids=ids, old_text="", new_text=change.base_text, op="create", to_path=change.path)
    assert change.old_path is not None
    _still(current(change.path), change.new_text, change.path, "renamed")
    if current(change.old_path) is not None:
        raise StaleError(f"{change.old_path} exists again; renaming {change.path} back would overwrite it, so nothing was undone.")
    return FilePlan(
        path=change.path,
        hunk_ids=ids,
        old_text=change.new_text,
        new_text=change.base_text,
        op="rename",
        from_path=change.path,
        to_path=change.old_path,
    )


def _still(text: str | None, expected: str, rel: str, done: str) -> None:
    if text is None:
        raise StaleError(f"{rel} is gone since tether {done} it; nothing was undone.")
    if content_hash(text) != content_hash(expected):
        raise StaleError(
            f"{rel} changed since tether {done} it; nothing was undone. Revert it by hand (git shows the change) or undo the later edits first."
        )


def check_allowed(root: Workspace, plans: list[FilePlan]) -> None:
    """Refuse (LeashError) a plan that would create a file context rules exclude (git-ignored,
    ``.tetherignore``d, secret-looking), or touch ``.git``/``.tether`` or a path through a link."""
    for plan in plans:
        for rel in (plan.from_path, plan.to_path):
            if rel is None:
                continue
            try:
                root.plain_path(rel)
            except InputError as exc:
                raise LeashError(f"{exc} Nothing was written.") from None
        if plan.to_path is not None and is_excluded(root.root, plan.to_path):
            raise LeashError(
                f"{plan.to_path} is ignored (git or .tetherignore) or looks like it holds secrets; tether never writes such "
                "files. Nothing was written."
            )


def intent_for(plan: FilePlan, status: HunkStatus) -> FileIntent:
    """The journal entry of ``plan``: hashes of the text before and after ("" for a file absent then)."""
    return FileIntent(
        path=plan.path,
        hunk_ids=plan.hunk_ids,
        status=status,
        old_hash="" if plan.op == "create" else content_hash(plan.old_text),
        new_hash="" if plan.op == "delete" else content_hash(plan.new_text),
        op=plan.op,
        from_path=plan.from_path,
        to_path=plan.to_path,
    )


def perform(workspace: Workspace, plan: FilePlan) -> None:
    """Do ``plan`` on disk through the workspace's confined, non-clobbering helpers."""
    if plan.op == "write":
        workspace.write_text(plan.path, plan.new_text)
    elif plan.op == "create":
        assert plan.to_path is not None
        workspace.create_text(plan.to_path, plan.new_text)
    elif plan.op == "delete":
        assert plan.from_path is not None
        workspace.delete_file(plan.from_path, content_hash(plan.old_text))
    else:
        assert plan.from_path is not None and plan.to_path is not None
        workspace.rename_file(plan.from_path, plan.to_path, content_hash(plan.old_text), plan.new_text)
