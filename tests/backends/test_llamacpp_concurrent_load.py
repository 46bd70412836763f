"""Loading several GGUFs at once keeps the process's stdout: llama-cpp-python points fds 1 and 2
at /dev/null while it loads (verbose=False), and interleaved loads used to leave them there
(llamalog.LOADING serializes them). Seen with `tether doctor` checking two GGUFs: its report
never reached stdout. Without the lock this script printed nothing in 4 runs of 5."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fixtures.tiny_gguf import build_tiny_gguf

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import asyncio, sys
from tether.config import ModelConfig
from tether.backends.llamacpp import LlamaCppBackend

async def main(paths):
    backends = [LlamaCppBackend(f"s{i}", ModelConfig(path=p, n_ctx=256)) for i, p in enumerate(paths)]
    caps = await asyncio.gather(*(b.capabilities() for b in backends))
    for b in backends:
        await b.aclose()
    return caps

caps = asyncio.run(main(sys.argv[1:]))
print(f"loaded {len(caps)}, stdout still works")
"""


def test_concurrent_gguf_loads_leave_stdout_alone(tmp_path):
    paths = [str(build_tiny_gguf(tmp_path / f"tiny{i}.gguf", seed=i)) for i in range(6)]
    result = subprocess.run([sys.executable, "-c", SCRIPT, *paths], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "loaded 6, stdout still works\n"
