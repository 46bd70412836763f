"""Where the benchmarks' inputs live: ``seeds/`` of tether's source checkout.

The seed workspaces and task lists ship with the repository, not inside the wheel (they are
inputs for measuring tether, not part of it). From a source checkout the default is found
beside the package; from an installed wheel there is none, and ``seed_folder`` says to pass
the bench's ``--seeds``/``--tasks`` flag instead of failing on a missing file later.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError

CHECKOUT_SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def default_seed_folder(name: str) -> Path:
    """``seeds/<name>`` of the source checkout this tether runs from (it may not exist)."""
    return CHECKOUT_SEEDS / name


def seed_folder(path: str | Path, flag: str) -> Path:
    """``path`` as a folder that exists. Raises InputError naming ``flag`` when it does not."""
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(
            f"The bench inputs are not at {folder}: they ship with tether's source checkout (seeds/), "
            f"not with the installed package. Pass {flag} FOLDER."
        )
    return folder
