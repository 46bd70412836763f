"""Secrets canary through the installed `tether`, on a SCRIPTED endpoint (issue 16, item 2).

A workspace holds fake secrets in every form tether redacts — unquoted INI, .cfg and
.properties, YAML, TOML, JSON, a password in a URL, a PEM block, known token prefixes and a
high-entropy value beside a secret-like name — in files that are not secret paths, so their
text does go out. `tether edit` (a selection and whole files), `tether repo` and
`tether complete` run against the scripted OpenAI-compatible server
(tests/fixtures/openai_server.py), which records every request: no canary may appear in any
request body or header, and each file's ordinary text must (so the check is not vacuous).
"""

from __future__ import annotations

import json

import pytest
from tests.conftest import make_git_repo
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

from tether.secrets import redact

PEM_BODY = "MIIEpAIBAAKCAQEAc4n4ryPem0007xYz"
CANARIES = {
    "ini": "Cn4ryIni0001x",
    "cfg": "cn4rycfg9f8e7d6c5b4a39281",
    "properties": "Cn4ryProps0002",
    "yaml": "Cn4ryYaml0003",
    "yaml-entropy": "q8ZrT2vLx9WmKp4NbY7cHs3Fd",
    "toml": "Cn4ryToml0004abcdEFGH",
    "json": "Cn4ryJson0005",
    "url": "Cn4ryUrl0006",
    "pem": PEM_BODY,
    "github": "ghp_Cn4ryTok0008aaaaaaaaaaaaaaaaaaaaaaaaa",
    "openai": "sk-cn4ry0009abcdefghijklmnop",
    "env": "Cn4ryEnv0010secret",
}
C = CANARIES
SETTINGS_PY = (
    "import os\n\n"
    "DEBUG = False\n"
    f'DATABASE_URL = "postgres://app:{C["url"]}@db.internal:5432/app"\n'
    f'GITHUB_TOKEN = "{C["github"]}"\n'
    f"# the old key was {C['openai']}, rotated\n"
    'SIGNING_KEY = """-----BEGIN RSA PRIVATE KEY-----\n'
    f"{PEM_BODY}\n"
    '-----END RSA PRIVATE KEY-----"""\n\n\n'
    "def database_url() -> str:\n"
    '    return os.environ.get("DATABASE_URL", DATABASE_URL)\n'
)
FILES = {
    "settings.py": SETTINGS_PY,
    "config/app.ini": f"[database]\nhost = db.internal\npassword = {C['ini']}\n",
    "config/deploy.cfg": f"[auth]\nendpoint = https://auth.internal\napi_key = {C['cfg']}\n",
    "config/application.properties": f"spring.datasource.url=jdbc:mysql://db/app\nspring.datasource.password={C['properties']}\n",
    "config/app.yaml": f"database:\n  host: db.internal\n  password: {C['yaml']}  # prod\n  client_secret: {C['yaml-entropy']}\n",
    "config/app.toml": f'[server]\nport = 8080\nsecret_key = "{C["toml"]}"\n',
    "config/app.json": json.dumps({"database": {"host": "db.internal", "password": C["json"]}}, indent=2) + "\n",
}
ORDINARY = {  # text of each file that must go out, so a run that sent nothing does not pass
    "settings.py": "def database_url",
    "config/app.ini": "host = db.internal",
    "config/deploy.cfg": "endpoint = https://auth.internal",
    "config/application.properties": "spring.datasource.url",
    "config/app.yaml": "host: db.internal",
    "config/app.toml": "port = 8080",
    "config/app.json": '\\"host\\": \\"db.internal\\"',
}


def env_for(server: ScriptedOpenAIServer) -> dict[str, str]:
    slot = {"backend": "openai", "base_url": server.base_url, "model": "scripted-model", "max_retries": 0}
    return {"TETHER_MODELS__SCRIPTED": json.dumps(slot), "TETHER_ROLES__EDIT": '["scripted"]', "TETHER_ROLES__COMPLETE": '["scripted"]'}


def sent(server: ScriptedOpenAIServer) -> str:
    return json.dumps([{"headers": r.headers, "body": r.body} for r in server.requests])


def assert_no_canary(server: ScriptedOpenAIServer) -> None:
    text = sent(server)
    leaked = [kind for kind, canary in CANARIES.items() if canary in text]
    assert not leaked, f"secrets sent to the endpoint: {leaked}"


@pytest.fixture
def workspace(tmp_path):
    root = make_git_repo(tmp_path / "ws", {**FILES, ".gitignore": ".env\n"})
    (root / ".env").write_text(f"APP_SECRET={C['env']}\n")  # a secret path: never read at all
    return root


def test_scripted_canary_edit_selection_and_complete(tether, workspace, openai_server):
    env = env_for(openai_server)
    openai_server.script(Reply(text="```python\nDEBUG = True\n```"))
    result = tether("-C", str(workspace), "edit", "settings.py", "--lines", "3-3", "-m", "Turn debug on", env=env)
    assert openai_server.posts(), result.stderr
    openai_server.script(Reply(text="DATABASE_URL)\n"))
    result = tether("-C", str(workspace), "complete", "settings.py", "--line", "13", "--col", "12", env=env)
    assert len(openai_server.posts()) >= 2, result.stderr
    assert "DATABASE_URL" in sent(openai_server) and "[REDACTED]" in sent(openai_server)
    assert_no_canary(openai_server)


@pytest.mark.parametrize("path", [p for p in FILES if p.startswith("config/")])
def test_scripted_canary_edit_file(tether, workspace, openai_server, path):
    original = FILES[path]
    reply = redact(original) + "\n"  # echo what the model saw, plus a blank line
    fence = "json" if path.endswith(".json") else ""
    openai_server.script(Reply(text=f"```{fence}\n{reply}```"))
    result = tether("-C", str(workspace), "edit", path, "-m", "Add a blank line at the end", env=env_for(openai_server))
    assert openai_server.posts(), result.stderr
    assert ORDINARY[path] in sent(openai_server)
    assert_no_canary(openai_server)


def test_scripted_canary_repo(tether, workspace, openai_server):
    paths = [p for p in FILES if p != "settings.py"] + ["settings.py"]  # last: its PEM block is one line when redacted
    plan = {"steps": [{"intent": f"Tidy {p}", "files": [p]} for p in paths]}
    openai_server.script(Reply(text=json.dumps(plan)), *[Reply(text=f"```\n{redact(FILES[p])}```") for p in paths])
    result = tether(
        "-C",
        str(workspace),
        "repo",
        "-m",
        "Tidy the configuration files",
        "--level",
        "repo",
        "--max-files",
        "10",
        "--max-steps",
        "10",
        env=env_for(openai_server),
    )
    assert len(openai_server.posts()) >= 2, result.stderr
    text = sent(openai_server)
    assert [p for p in paths if ORDINARY[p] not in text] == [], result.stderr
    assert_no_canary(openai_server)
