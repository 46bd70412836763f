"""Secrets canary: fake keys in ``.env`` and in a source string never reach a remote endpoint.

A real git repository, the real context providers and edit op, the real OpenAI-compatible
backend — talking to a SCRIPTED OpenAI-compatible server (tests/fixtures/openai_server.py)
that records every request. The model's reply is scripted; what is checked is what tether
sent: no request (headers or body) may contain either canary.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

from tether.config import load_settings
from tether.engine import EditTarget, Engine
from tether.ops.edit import edit_selection
from tether.ops.gather import default_providers
from tether.pack import ContextPack
from tether.slider import Level

ENV_CANARY = "sk-canary0env0123456789abcdefghij"
SOURCE_CANARY = "sk-canary0src0123456789abcdefghij"

FILES = {
    "shop/payments.py": (
        "import httpx\n\n"
        f'PAYMENT_API_KEY = "{SOURCE_CANARY}"\n\n\n'
        "def charge_card(amount: float) -> dict:\n"
        '    """Charge the customer through the payment API."""\n'
        '    headers = {"Authorization": f"Bearer {PAYMENT_API_KEY}"}\n'
        '    return httpx.post("https://pay.example.com/charge", json={"amount": amount}, headers=headers).json()\n'
    ),
    "shop/cart.py": (
        "class Cart:\n    def __init__(self):\n        self.items = []\n\n"
        "    def checkout(self):\n        total = sum(self.items)\n        return total\n"
    ),
}
REPLY = "    def checkout(self):\n        total = sum(self.items)\n        return charge_card(total)\n"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = make_git_repo(tmp_path / "shop", FILES)
    (root / ".env").write_text(f"OPENAI_API_KEY={ENV_CANARY}\nPAYMENT_API_KEY={SOURCE_CANARY}\n")
    return root


def remote_engine(root: Path, server: ScriptedOpenAIServer) -> Engine:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    settings = load_settings(root, env={}, overrides={"models": {"remote": slot}, "roles": {"edit": ["remote"], "complete": ["remote"]}})
    engine = Engine(settings, root)
    engine.providers = default_providers(engine)
    return engine


async def test_scripted_canary_never_enters_a_context_pack(shop: Path, openai_server: ScriptedOpenAIServer) -> None:
    engine = remote_engine(shop, openai_server)
    text = (shop / "shop/cart.py").read_text()
    target = EditTarget(
        path="shop/cart.py",
        text=text,
        start_line=4,
        end_line=7,
        level=Level.SELECTION,
        instruction="call charge_card with the total; PAYMENT_API_KEY is in .env",
    )
    pack = ContextPack()
    for provider in engine.providers:
        await provider.provide(engine, target, pack, 2000)
    assert any("def charge_card" in item.text for item in pack.items), "the repo map should show payments.py"
    dumped = pack.model_dump_json()
    assert ENV_CANARY not in dumped and SOURCE_CANARY not in dumped
    assert ".env" not in {item.source.path for item in pack.items}
    await engine.aclose()


async def test_scripted_canary_never_reaches_the_endpoint(shop: Path, openai_server: ScriptedOpenAIServer) -> None:
    openai_server.script(Reply(text=f"```python\n{REPLY}```"))
    engine = remote_engine(shop, openai_server)
    try:
        proposal = await edit_selection(engine, "shop/cart.py", "call charge_card with the total; PAYMENT_API_KEY is in .env", 4, 7)
    finally:
        await engine.aclose()
    assert "+        return charge_card(total)" in proposal.diff()
    posts = openai_server.posts()
    assert posts, "the edit should have asked the endpoint"
    sent = json.dumps([{"headers": r.headers, "body": r.body} for r in openai_server.requests])
    assert "def charge_card" in sent  # the repo map did go out...
    assert ENV_CANARY not in sent and SOURCE_CANARY not in sent  # ...without either key
    assert "[REDACTED]" in sent
