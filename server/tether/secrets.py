"""Secrets: files that never enter context, and strings redacted before text leaves the machine.

``is_secret_path`` decides which files are never read into context (``.env``, private keys,
credential stores). ``redact`` replaces what looks like a credential with ``[REDACTED]``, by
kind: known token formats (OpenAI ``sk-…``, AWS, GitHub, GitLab, Slack, Google, Hugging Face,
Stripe, JWTs), PEM private-key blocks, passwords in URLs, and values assigned to names such as
``password``, ``api_key``, ``*_TOKEN`` or ``*_SECRET`` — quoted (code, JSON, YAML, TOML),
``.env`` lines, and unquoted ``name = value`` / ``name: value`` lines (INI, .cfg, .properties,
YAML) — with high-entropy values counted as keys. The OpenAI-compatible backend applies
``redact`` to everything it sends; context providers apply it too, so the record of what the
model saw never holds a secret either.

The assignment rules are deliberately narrow so ordinary code survives: a value is redacted
only when it looks like a credential (no spaces, long enough, letters and digits or high
entropy for keys and tokens), and an unquoted value that reads as code or a reference
(``password = user_password``, ``token: str``, ``x = f()``) is left alone.

Every pattern runs in time linear in the text; see the comment above the patterns. Yelp's
``detect-secrets`` was judged as a replacement and not adopted: its line scanner is itself
super-linear on adversarial lines and reports values rather than spans (docs/context.md).
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import PurePath

from .lines import split_lines, strip_break

REDACTED = "[REDACTED]"

SECRET_FILE_NAMES = frozenset(
    {
        ".env",
        ".envrc",
        ".netrc",
        "_netrc",
        ".pgpass",
        ".npmrc",
        ".pypirc",
        ".git-credentials",
        ".htpasswd",
        ".dockercfg",
        "credentials",
        "credentials.json",
        "credentials.yml",
        "credentials.yaml",
        "secrets.json",
        "secrets.yml",
        "secrets.yaml",
        "secrets.toml",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "terraform.tfvars",
        "terraform.tfstate",
        "terraform.tfstate.backup",
    }
)
SECRET_SUFFIXES = (
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".jks",
    ".keystore",
    ".gpg",
    ".kdbx",
    ".ppk",
    ".tfstate",
    ".secret",
    ".secrets",
)
SECRET_DIRS = frozenset({".ssh", ".gnupg", ".aws", ".docker"})
# .env.example and friends are meant to be committed and shared.
ENV_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".defaults")


def is_secret_path(path: str | PurePath) -> bool:
    """True for files that look like they hold secrets; they never enter context.

    ``path``: a workspace-relative or absolute path, ``/``-separated or native; only its name
    and folder names are looked at (no file is opened). Raises nothing.
    """
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


# Every pattern below runs on untrusted text of any size, with Python's backtracking ``re``, so
# each is written to run in linear time: repetition is bounded ({m,n}) wherever a failed match
# could rescan it (an unbounded run is left only where nothing follows it, or where the next
# match cannot start inside it), and names and schemes are anchored with a lookbehind so that a
# match starts only where a run begins, never at every position inside a long run of letters (issue 16,
# case 23: an unbounded URL scheme made a 400,000-letter line take minutes).
# tests/unit/test_secrets_linear_time.py feeds each one 1 MB of adversarial text.

_NAME_CHARS = r"[A-Za-z0-9_.\-]"
_NAME_START = r"(?<![A-Za-z0-9_.\-])"

# Token formats with a recognisable shape; each is replaced whole.
_TOKEN_PATTERNS = [
    # PEM private keys: up to the END line, or to the end of the text when it was cut off
    r"-----BEGIN (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----"
    r"(?:[\s\S]*?-----END (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----|[\s\S]*\Z)",
    # OpenAI, Anthropic and lookalikes; a digit or great length tells a key from "sk-learn-…"
    r"(?<![A-Za-z0-9_\-])sk-(?:(?=[A-Za-z0-9_\-]{0,200}[0-9])[A-Za-z0-9_\-]{16,}|[A-Za-z0-9_\-]{40,})",
    r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[0-9A-Z]{16}\b",  # AWS access key ids
    r"\bgh[pousr]_[A-Za-z0-9]{30,}\b",
    r"\bgithub_pat_[A-Za-z0-9_]{22,}\b",
    r"(?<![A-Za-z0-9_\-])glpat-[A-Za-z0-9_\-]{20,}\b",
    r"(?<![A-Za-z0-9_\-])xox[abposr]-[A-Za-z0-9\-]{10,}",
    r"\bAIza[0-9A-Za-z_\-]{35}\b",
    r"\bhf_[A-Za-z0-9]{30,}\b",
    r"\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}\b",
    r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
]
_TOKENS = re.compile("|".join(f"(?:{p})" for p in _TOKEN_PATTERNS))

# user:password@ in URLs: keep the user, drop the password.
_URL_PASSWORD = re.compile(
    r"(?P<head>(?<![A-Za-z0-9+.\-])[a-zA-Z][a-zA-Z0-9+.\-]{0,31}://[^\s:/@\"']{1,256}:)(?P<value>[^\s@/\"']{1,256})(?=@)"
)

_PASSWORD_NAME = r"(?:password|passwd|passphrase|pwd|secret)"
_KEY_NAME = r"(?:api[_\-]?key|apikey|access[_\-]?key|secret[_\-]?key|private[_\-]?key|auth[_\-]?key|token|credentials?|auth)"
_SECRET_NAME = _NAME_START + r"(?P<name>" + _NAME_CHARS + r"{0,64}(?:" + _PASSWORD_NAME + "|" + _KEY_NAME + r")" + _NAME_CHARS + r"{0,64})"

# name = "value" / name: 'value' / "name": "value" in code, config, JSON, YAML and TOML.
_QUOTED_ASSIGNMENT = re.compile(
    r"(?P<head>" + _SECRET_NAME + r"[\"']?[ \t]{0,64}(?::=|=>|=|:)[ \t]{0,64}[a-zA-Z]?(?P<quote>[\"']))"
    r"(?P<value>[^\"'\r\n]{1,4096})(?P=quote)",
    re.IGNORECASE,
)

# name = value / name: value / name=value, unquoted, a line to itself: INI, .cfg, .properties,
# YAML, TOML-ish and shell. The value runs to the end of the line or to a comment.
_UNQUOTED_ASSIGNMENT = re.compile(
    r"(?:^|(?<=\r))(?P<head>[ \t]{0,64}(?:-[ \t]{1,8})?(?:export[ \t]{1,8})?"
    + _SECRET_NAME
    + r"[ \t]{0,64}(?:=|:)[ \t]{0,64})(?P<value>[^\s\"'#;][^\r\n]*)",
    re.IGNORECASE | re.MULTILINE,
)

# .env style: NAME=value with no spaces around "=", optionally after "export ", at a line's start
# (after \n, \r\n or a lone \r: re's "^" alone knows only \n).
_ENV_ASSIGNMENT = re.compile(
    r"(?:^|(?<=\r))(?P<head>[ \t\f\v]{0,64}(?:export[ \t]{1,8})?(?P<name>(?:[A-Za-z0-9]{1,64}_){0,8}"
    r"(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIALS?)S?(?:_[A-Za-z0-9]{1,64}){0,8})=)"
    r"(?P<value>\"[^\"\r\n]*\"|'[^'\r\n]*'|[^\s#]+)",
    re.IGNORECASE | re.MULTILINE,
)

_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def redact(text: str) -> str:
    """``text`` with every secret-looking string replaced by ``[REDACTED]``.

    ``text``: any string (a line, a file, a whole prompt); line breaks may be ``\\n``, ``\\r\\n``
    or ``\\r``. Returns a string with the same lines, each secret replaced in place, so
    ``redact(line)`` of each line equals the lines of ``redact(text)`` (``unredact`` relies on it),
    except for a PEM block, which is replaced whole across its lines. Runs in time linear in
    ``len(text)``. Raises nothing.
    """
    if not text:
        return text
    text = _TOKENS.sub(REDACTED, text)
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED, text)
    text = _QUOTED_ASSIGNMENT.sub(_redact_quoted, text)
    text = _ENV_ASSIGNMENT.sub(_redact_env, text)
    return _UNQUOTED_ASSIGNMENT.sub(_redact_unquoted, text)


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


# An unquoted value that reads as code or as a reference rather than as a credential.
_REFERENCE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_CODE_CHARS = frozenset("()[]{}\"'`<>")
_PLAIN_WORDS = frozenset({"true", "false", "none", "null", "nil", "yes", "no", "on", "off", "~", "required", "optional"})


def _redact_unquoted(match: re.Match[str]) -> str:
    raw = match.group("value")
    value = _INLINE_COMMENT.split(raw, maxsplit=1)[0].rstrip().rstrip(",;")
    if not _unquoted_secret(match.group("name"), value):
        return match.group(0)
    return match.group("head") + REDACTED + raw[len(value) :]


_INLINE_COMMENT = re.compile(r"[ \t][#;]")


def _unquoted_secret(name: str, value: str) -> bool:
    """Whether an unquoted ``name = value`` line (INI, .properties, YAML, TOML) holds a credential.

    Code shares the shape (``password = getpass()``, ``token: str``), so a value with a space,
    brackets or quotes, a number, a keyword, or a plain identifier or dotted name without
    digits (``password = user_password``, ``token: Token``) is taken for code.
    """
    if not value or REDACTED in value or any(c.isspace() or c in _CODE_CHARS for c in value):
        return False
    if value.lower() in _PLAIN_WORDS or value.startswith(("$", "%", "&", "*", "|", "!", "@", "=")):
        return False  # YAML anchors, aliases, tags and block scalars; template placeholders
    if _NUMBER.fullmatch(value) or _ENV_NAME.fullmatch(value):
        return False
    if _REFERENCE.fullmatch(value) and ("." in value or "_" in value or not any(c.isdigit() for c in value)):
        return False
    return _looks_secret(name, value)


_NUMBER = re.compile(r"[+\-]?[0-9][0-9_.,eE+\-]{0,64}")


# Every pattern ``redact`` applies to user text, for the linear-time test.
PATTERNS: tuple[re.Pattern[str], ...] = (
    _TOKENS,
    _URL_PASSWORD,
    _QUOTED_ASSIGNMENT,
    _ENV_ASSIGNMENT,
    _UNQUOTED_ASSIGNMENT,
    _INLINE_COMMENT,
    _REFERENCE,
    _NUMBER,
    _ENV_NAME,
)


def _looks_secret(name: str, value: str) -> bool:
    """Whether a value assigned to a secret-sounding name looks like a credential.

    Passwords: four characters or more. Keys and tokens: twelve or more with letters and
    digits, or random-looking (``_random_looking``: high entropy, mixed case).
    """
    if REDACTED in value or any(c.isspace() for c in value):
        return False
    if _ENV_NAME.fullmatch(value) or value.startswith(("$", "{", "<", "%")):
        return False  # the name of an environment variable, or a template placeholder
    if re.search(_PASSWORD_NAME, name, re.IGNORECASE) and not re.search(_KEY_NAME, name, re.IGNORECASE):
        return len(value) >= 4
    has_letter = any(c.isalpha() for c in value)
    has_digit = any(c.isdigit() for c in value)
    return (len(value) >= 12 and has_letter and has_digit) or _random_looking(value)


_KEY_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.")


def _random_looking(value: str) -> bool:
    """Whether ``value`` reads as random key material rather than words, even without digits.

    Twenty characters or more from the base64/url-safe alphabet, at least 4 bits of Shannon
    entropy a character (random base64 of that length shows about 4.2), and case flipping
    between neighbouring letters at least once in four characters, which random mixed case
    does about every second character and words (``AuthorizationHeaderName``,
    ``X-Custom-Authorization-Header``) once a word.
    """
    if len(value) < 20 or not set(value) <= _KEY_ALPHABET or _entropy(value) < 4.0:
        return False
    flips = sum(1 for a, b in itertools.pairwise(value) if a.isalpha() and b.isalpha() and a.isupper() != b.isupper())
    return flips * 4 >= len(value)


def _entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character (0 for an empty string)."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for c in value:
        counts[c] = counts.get(c, 0) + 1
    n = len(value)
    return -sum(k / n * math.log2(k / n) for k in counts.values())


def unredact(new: str, original: str) -> str:
    """Put back secrets a model could only echo as ``[REDACTED]``.

    A remote model saw the original text redacted; when its rewrite keeps such a line as it
    saw it, that line becomes the original line again, so accepting the edit does not write
    ``[REDACTED]`` over a real value. Lines the model changed are left as they are. Different
    original lines that read the same once redacted (two sections' ``password = …``) are put
    back in their order when the rewrite keeps each of them; when it keeps some but not all,
    which is which cannot be told, so they stay ``[REDACTED]`` (``edits.validate`` then
    refuses the edit) rather than one secret being written over another.

    ``new``: the model's text; ``original``: the text it was shown before redaction. Both may
    use any line break (``\\n``, ``\\r\\n``, ``\\r``); ``new`` keeps its own. Returns ``new``
    with those lines replaced; linear in the two lengths. Raises nothing.
    """
    if REDACTED not in new:
        return new
    originals: dict[str, list[str]] = {}
    for line in split_lines(original):
        seen = redact(line)
        if seen != line:
            originals.setdefault(seen, []).append(line)
    new_lines = split_lines(new, keepends=True)
    kept: dict[str, int] = {}
    for line in new_lines:
        body = strip_break(line)
        if body in originals:
            kept[body] = kept.get(body, 0) + 1
    taken: dict[str, int] = {}
    out = []
    for line in new_lines:
        body = strip_break(line)
        candidates = originals.get(body)
        restored = body
        if candidates and (len(set(candidates)) == 1 or kept[body] == len(candidates)):
            restored = candidates[min(taken.get(body, 0), len(candidates) - 1)]
            taken[body] = taken.get(body, 0) + 1
        out.append(restored + line[len(body) :])
    return "".join(out)
