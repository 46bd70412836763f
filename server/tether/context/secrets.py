"""Secrets: files that never enter context, and strings redacted before text leaves the machine.

``is_secret_path`` decides which files are never read into context (``.env``, private keys,
credential stores). ``redact`` replaces what looks like a credential with ``[REDACTED]``: known
token formats (OpenAI ``sk-…``, AWS, GitHub, Slack, Google, Hugging Face, Stripe, JWTs), PEM
private-key blocks, passwords in URLs, and values assigned to names such as ``password``,
``api_key``, ``*_TOKEN`` or ``*_SECRET``. The OpenAI-compatible backend applies ``redact`` to
everything it sends; context providers apply it too, so the record of what the model saw
never holds a secret either.

The assignment rules are deliberately narrow so ordinary code survives: a quoted value is
redacted only when it looks like a credential (no spaces, long enough, letters and digits for
keys and tokens), and unquoted ``NAME=value`` lines only in the ``.env`` style (no spaces
around ``=``).
"""

from __future__ import annotations

import re
from pathlib import PurePath

from ..lines import split_lines, strip_break

REDACTED = "[REDACTED]"

SECRET_FILE_NAMES = frozenset({
    ".env", ".envrc", ".netrc", "_netrc", ".pgpass", ".npmrc", ".pypirc", ".git-credentials", ".htpasswd",
    ".dockercfg", "credentials", "credentials.json", "credentials.yml", "credentials.yaml", "secrets.json",
    "secrets.yml", "secrets.yaml", "secrets.toml", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519",
    "terraform.tfvars", "terraform.tfstate", "terraform.tfstate.backup",
})
SECRET_SUFFIXES = (
    ".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".gpg", ".kdbx", ".ppk", ".tfstate", ".secret", ".secrets",
)
SECRET_DIRS = frozenset({".ssh", ".gnupg", ".aws", ".docker"})
# .env.example and friends are meant to be committed and shared.
ENV_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".defaults")


def is_secret_path(path: str | PurePath) -> bool:
    """True for files that look like they hold secrets; they never enter context."""
    parts = PurePath(path).parts
    if not parts:
        return False
    name = parts[-1].lower()
    if any(part.lower() in SECRET_DIRS for part in parts[:-1]):
        return True
    if name.startswith(".env") and (name == ".env" or name.startswith(".env.")):
        return not name.endswith(ENV_TEMPLATE_SUFFIXES)
    if name.endswith(".env") and not name.startswith("."):
        return True  # prod.env, local.env
    if name in SECRET_FILE_NAMES or name.endswith(SECRET_SUFFIXES):
        return True
    return name.startswith(("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")) and not name.endswith(".pub")


# Token formats with a recognisable shape; each is replaced whole.
_TOKEN_PATTERNS = [
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*\Z)",
    # OpenAI, Anthropic and lookalikes; a digit or great length tells a key from "sk-learn-…"
    r"\bsk-(?:(?=[A-Za-z0-9_\-]*[0-9])[A-Za-z0-9_\-]{16,}|[A-Za-z0-9_\-]{40,})",
    r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[0-9A-Z]{16}\b",  # AWS access key ids
    r"\bgh[pousr]_[A-Za-z0-9]{30,}\b",
    r"\bgithub_pat_[A-Za-z0-9_]{22,}\b",
    r"\bglpat-[A-Za-z0-9_\-]{20,}\b",
    r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",
    r"\bAIza[0-9A-Za-z_\-]{35}\b",
    r"\bhf_[A-Za-z0-9]{30,}\b",
    r"\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}\b",
    r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
]
_TOKENS = re.compile("|".join(f"(?:{p})" for p in _TOKEN_PATTERNS))

# user:password@ in URLs: keep the user, drop the password.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@\"']+:)(?P<value>[^\s@/\"']+)(?=@)")

_PASSWORD_NAME = r"(?:password|passwd|passphrase|pwd|secret)"
_KEY_NAME = r"(?:api[_\-]?key|apikey|access[_\-]?key|secret[_\-]?key|private[_\-]?key|auth[_\-]?key|token|credentials?|auth)"

# name = "value" / name: 'value' / "name": "value" in code, config and JSON.
_QUOTED_ASSIGNMENT = re.compile(
    r"(?P<head>(?P<name>\b[A-Za-z0-9_.\-]*(?:" + _PASSWORD_NAME + "|" + _KEY_NAME + r")[A-Za-z0-9_.\-]*)"
    r"[\"']?\s*(?::=|=>|=|:)\s*[a-zA-Z]?(?P<quote>[\"']))(?P<value>[^\"'\r\n]+)(?P=quote)",
    re.IGNORECASE,
)

# .env style: NAME=value with no spaces around "=", optionally after "export ", at a line's start
# (after \n, \r\n or a lone \r: re's "^" alone knows only \n).
_ENV_ASSIGNMENT = re.compile(
    r"(?:^|(?<=\r))(?P<head>[ \t\f\v]*(?:export[ \t]+)?(?P<name>(?:[A-Za-z0-9]+_)*"
    r"(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIALS?)S?(?:_[A-Za-z0-9]+)*)=)"
    r"(?P<value>\"[^\"\r\n]*\"|'[^'\r\n]*'|[^\s#]+)",
    re.IGNORECASE | re.MULTILINE,
)

_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def redact(text: str) -> str:
    """``text`` with every secret-looking string replaced by ``[REDACTED]``."""
    if not text:
        return text
    text = _TOKENS.sub(REDACTED, text)
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED, text)
    text = _QUOTED_ASSIGNMENT.sub(_redact_quoted, text)
    return _ENV_ASSIGNMENT.sub(_redact_env, text)


def _redact_quoted(match: re.Match[str]) -> str:
    value = match.group("value")
    if not _looks_secret(match.group("name"), value):
        return match.group(0)
    quote = match.group("quote")
    return f"{match.group('head')}{REDACTED}{quote}"


def _redact_env(match: re.Match[str]) -> str:
    value = match.group("value").strip("\"'")
    if value == REDACTED or len(value) < 6 or value.isdigit() or value.lower() in {"true", "false", "none", "null"}:
        return match.group(0)
    if value.startswith("${") or value.startswith("$("):
        return match.group(0)  # a reference to another variable, not a value
    return match.group("head") + REDACTED


def _looks_secret(name: str, value: str) -> bool:
    """Whether a quoted value assigned to a secret-sounding name looks like a credential."""
    if REDACTED in value or any(c.isspace() for c in value):
        return False
    if _ENV_NAME.fullmatch(value) or value.startswith(("$", "{", "<", "%")):
        return False  # the name of an environment variable, or a template placeholder
    if re.search(_PASSWORD_NAME, name, re.IGNORECASE) and not re.search(_KEY_NAME, name, re.IGNORECASE):
        return len(value) >= 4
    has_letter = any(c.isalpha() for c in value)
    has_digit = any(c.isdigit() for c in value)
    return len(value) >= 12 and has_letter and has_digit


def unredact(new: str, original: str) -> str:
    """Put back secrets a model could only echo as ``[REDACTED]``.

    A remote model saw the original text redacted; when its rewrite keeps such a line as it
    saw it, that line becomes the original line again, so accepting the edit does not write
    ``[REDACTED]`` over a real value. Lines the model changed are left as they are.
    """
    if REDACTED not in new:
        return new
    originals: dict[str, str] = {}
    for line in split_lines(original):
        seen = redact(line)
        if seen != line:
            originals.setdefault(seen, line)
    out = []
    for line in split_lines(new, keepends=True):
        body = strip_break(line)
        out.append(originals.get(body, body) + line[len(body):])
    return "".join(out)
