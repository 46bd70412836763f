"""Secrets: which files never enter context, and what redact() removes (and leaves alone)."""

from __future__ import annotations

import pytest

from tether.secrets import REDACTED, is_secret_path, redact, unredact

OPENAI = "sk-proj-Zx81kQ0aBcDeFgHiJkLmNoPq"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


@pytest.mark.parametrize(
    "text, secret",
    [
        (f"OPENAI_API_KEY={OPENAI}", OPENAI),
        (f"export GITHUB_TOKEN={GITHUB}", GITHUB),
        (f'client = OpenAI(api_key="{OPENAI}")', OPENAI),
        (f"token: {GITHUB}", GITHUB),
        ("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        ('aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ('password = "hunter22"', "hunter22"),
        ('db_password: "s3cret!"', "s3cret!"),
        ('{"apiKey": "AIzaSyA-1234567890abcdefghijklmnopqrstu"}', "AIzaSyA-1234567890abcdefghijklmnopqrstu"),
        ("url = 'postgres://admin:pa55word@db.example.com/app'", "pa55word"),
        ("SLACK=xoxb-123456789012-abcdefghijkl", "xoxb-123456789012-abcdefghijkl"),
        ("HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz0123456789", "hf_abcdefghijklmnopqrstuvwxyz0123456789"),
        ('SECRET_KEY = "django-insecure-abc123def456ghi789"', "django-insecure-abc123def456ghi789"),
        ("DB_PASSWORD='correct horse'", "correct horse"),
        ("stripe = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "eyJhbGciOiJIUzI1NiJ9"),
    ],
)
def test_redacts_credentials(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert REDACTED in out


def test_redacts_private_key_blocks_whole() -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQUJDREVG\n-----END OPENSSH PRIVATE KEY-----"
    out = redact(f"before\n{key}\nafter\n")
    assert out == f"before\n{REDACTED}\nafter\n"
    # A block cut off before its END line is redacted to the end of the text.
    assert redact("x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEabc") == f"x\n{REDACTED}"


@pytest.mark.parametrize(
    "code",
    [
        'api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the key")',
        'token_type = "bearer"',
        "max_tokens = 48",
        "MAX_TOKENS=100",
        'password = getpass.getpass("Password: ")',
        "def count_tokens(self, text: str) -> int:",
        "tokens = tokenizer.encode(text)",
        'TOKEN_RE = re.compile(r"[a-z]+")',
        'secret = os.environ["SECRET"]',
        "task-runner-abcdefghijklmnopqrstuvwxyz",
        "pip install sk-learn-compatible-estimators",
        'auth_header = "Authorization"',
        "MONKEY_PATCH=enabled-always",
        "KEY_FILE=${HOME}/.ssh/id_rsa",
        'password = ""',
    ],
)
def test_leaves_ordinary_code_alone(code: str) -> None:
    assert redact(code) == code


def test_redact_is_idempotent_and_keeps_structure() -> None:
    text = f'OPENAI_API_KEY={OPENAI}\nDEBUG=true\npassword = "hunter22"\n'
    once = redact(text)
    assert redact(once) == once
    assert once.splitlines()[1] == "DEBUG=true" and len(once.splitlines()) == 3


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        "app/.env.local",
        ".env.production",
        "prod.env",
        "id_rsa",
        "deploy/id_ed25519",
        "certs/server.pem",
        "tls.key",
        "store.p12",
        ".netrc",
        ".npmrc",
        "credentials.json",
        ".aws/credentials",
        "home/.ssh/config",
        "secrets.yaml",
        "infra/terraform.tfstate",
        ".git-credentials",
    ],
)
def test_secret_paths(path: str) -> None:
    assert is_secret_path(path)


@pytest.mark.parametrize(
    "path",
    [".env.example", ".env.sample", "id_rsa.pub", "config.py", "src/keys.py", "environment.py", "docs/secrets.md", "token.go", "README.md"],
)
def test_ordinary_paths(path: str) -> None:
    assert not is_secret_path(path)


def test_unredact_restores_lines_the_model_echoed() -> None:
    original = f'import os\nAPI_KEY = "{OPENAI}"\n\ndef f():\n    return 1\n'
    seen = redact(original)
    rewritten = seen.replace("return 1", "return 2")
    assert unredact(rewritten, original) == original.replace("return 1", "return 2")
    changed = seen.replace('API_KEY = "[REDACTED]"', 'API_KEY = os.environ["API_KEY"]')
    assert unredact(changed, original) == changed  # a line the model rewrote stays rewritten
    assert unredact("no secrets\r\n", original) == "no secrets\r\n"


HIGH_ENTROPY = "q8ZrT2vLx9WmKp4NbY7cHs3FdJ6gAe5U"


@pytest.mark.parametrize(
    "kind, text, secret",
    [
        ("ini", "[database]\npassword = hunter2xyz\nhost = db\n", "hunter2xyz"),
        ("ini-comment", "[smtp]\npassword = s3cr3t!x ; rotated in May\n", "s3cr3t!x"),
        ("cfg", "[auth]\napi_key = 9f8e7d6c5b4a39281706f5e4d3c2b1a0\n", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
        ("properties", "spring.datasource.password=hunter2xyz\n", "hunter2xyz"),
        ("properties-colon", "mail.smtp.password : Tr0ub4dor\n", "Tr0ub4dor"),
        ("yaml", "db:\n  password: hunter2xyz  # prod\n", "hunter2xyz"),
        ("yaml-list", "users:\n  - password: Xy7!pq9\n", "Xy7!pq9"),
        ("yaml-quoted", "db:\n  password: 'hunter2xyz'\n", "hunter2xyz"),
        ("toml", '[server]\nsecret_key = "' + HIGH_ENTROPY + '"\n', HIGH_ENTROPY),
        ("json", '{"db": {"password": "hunter2xyz"}}', "hunter2xyz"),
        ("url", "DATABASE_URL: mysql://app:Pa55-w0rd@db:3306/app\n", "Pa55-w0rd"),
        ("high-entropy-beside-name", f'auth_token = "{HIGH_ENTROPY}"\n', HIGH_ENTROPY),
        ("high-entropy-unquoted", f"client_secret: {HIGH_ENTROPY}\n", HIGH_ENTROPY),
        ("high-entropy-no-digits", 'access_token = "qZrTvLxWmKpNbYcHsFdJgAeU"\n', "qZrTvLxWmKpNbYcHsFdJgAeU"),
        ("crlf", "password = hunter2xyz\r\nuser = app\r\n", "hunter2xyz"),
    ],
)
def test_redacts_secrets_by_kind(kind: str, text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out, kind
    assert REDACTED in out and len(out.splitlines()) == len(text.splitlines())
    assert unredact(out, text) == text  # every line echoed as seen comes back whole


@pytest.mark.parametrize(
    "code",
    [
        "password = user_password",
        "token = next_token",
        "    token: str",
        "password: str = None",
        "password: string;",
        "token = self.tokens.pop()",
        "max_tokens: 48",
        "auth: basic",
        "secret: !vault |",
        "password: *default_password",
        "api_key: ${API_KEY}",
        "auth_token = AUTH_TOKEN",
        'token_header = "X-Custom-Authorization-Header"',
        'token_content_type = "application/x-www-form-urlencoded"',
        'auth_key_name = "AuthorizationHeaderName"',
    ],
)
def test_leaves_unquoted_code_and_references_alone(code: str) -> None:
    assert redact(code) == code
