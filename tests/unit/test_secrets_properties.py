"""Property tests (hypothesis) for the redactor, tether.secrets.

On texts mixing ordinary code, odd characters, every line break and secret-shaped lines:
``redact`` keeps the lines (their number, and each line redacted alone), ``unredact`` of the
redacted text against the base gives the base back, and a planted secret of a known form never
survives ``redact``.
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from tether.lines import line_count, split_lines
from tether.secrets import REDACTED, redact, unredact

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def body(alphabet: str, size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=size, max_size=size)


# Token formats redact() knows by shape (secrets._TOKEN_PATTERNS); each with a digit, as a real key has.
TOKENS = st.one_of(
    st.builds(lambda b: f"sk-proj-{b}7", body(ALNUM, 30)),
    st.builds(lambda b: f"AKIA{b}", body(UPPER_DIGITS, 16)),
    st.builds(lambda b: f"ghp_{b}", body(ALNUM, 36)),
    st.builds(lambda b: f"github_pat_{b}", body(ALNUM + "_", 40)),
    st.builds(lambda b: f"glpat-{b}", body(ALNUM, 20)),
    st.builds(lambda b: f"xoxb-{b}", body(ALNUM + "-", 24)),
    st.builds(lambda b: f"AIza{b}", body(ALNUM, 35)),
    st.builds(lambda b: f"hf_{b}", body(ALNUM, 34)),
    st.builds(lambda b: f"sk_live_{b}", body(ALNUM, 24)),
    st.builds(lambda a, b, c: f"eyJ{a}.eyJ{b}.{c}", body(ALNUM, 12), body(ALNUM, 16), body(ALNUM, 20)),
)
# Where a planted token sits: after and before a character that is not part of a token.
SEPARATORS = st.sampled_from([" ", "\n", "\r\n", "\r", '"', "'", "(", ")", ",", "=", ": ", "\t", "\u2028", "\x0c"])
SURROUNDINGS = st.text(alphabet=ALNUM + " _.=:'\"()\n\r\t\x0c\u2028#", max_size=40)

ORDINARY_LINES = st.sampled_from(
    [
        "def add(a, b):",
        "    return a + b",
        "",
        "# comment",
        "password = user_password",
        "token: str",
        "x = f()",
        "\x0cpage",
        "a\u2028b",
        "\x00",
        "é\U0001f600",
        "url = 'https://example.com/a'",
        "API_KEY = os.environ['API_KEY']",
        "\ud800",
    ]
)
SECRET_LINES = st.one_of(
    st.builds(lambda t: f'API_KEY = "{t}"', TOKENS),
    st.builds(lambda v: f"password = '{v}'", body(ALNUM, 10)),
    st.builds(lambda v: f"DB_PASSWORD={v}", body(ALNUM, 12)),
    st.builds(lambda v: f"export GITHUB_TOKEN={v}", body(ALNUM, 20)),
    st.builds(lambda v: f"secret_key = {v}9", body(ALNUM, 16)),
    st.builds(lambda v: f'  "apiKey": "{v}1",', body(ALNUM, 20)),
    st.builds(lambda v: f"url = postgres://admin:{v}@db:5432/app", body(ALNUM, 10)),
    st.builds(lambda t: f"    client({t})", TOKENS),
)
BREAKS = st.sampled_from(["\n", "\r\n", "\r"])
TEXTS = st.lists(st.tuples(st.one_of(ORDINARY_LINES, SECRET_LINES), BREAKS), max_size=12).map(
    lambda lines: "".join(line + end for line, end in lines)
)
# The same examples every run, so the suite's outcome does not change between runs;
# TETHER_PROPERTY_EXPLORE=1 draws new ones (a failure is then replayed from .hypothesis/).
PROPERTY = settings(max_examples=300, deadline=None, derandomize=not os.environ.get("TETHER_PROPERTY_EXPLORE"))


@PROPERTY
@given(TEXTS)
def test_redact_keeps_the_number_of_lines(text: str):
    assert line_count(redact(text)) == line_count(text)


@PROPERTY
@given(TEXTS)
def test_redact_of_a_text_is_redact_of_each_of_its_lines(text: str):
    assert split_lines(redact(text)) == [redact(line) for line in split_lines(text)]


@PROPERTY
@given(TEXTS)
def test_unredact_of_the_redacted_text_gives_the_base_back(text: str):
    assert unredact(redact(text), text) == text


@PROPERTY
@given(TEXTS)
def test_redact_is_idempotent(text: str):
    assert redact(redact(text)) == redact(text)


@PROPERTY
@given(SURROUNDINGS, SEPARATORS, TOKENS, SEPARATORS, SURROUNDINGS)
def test_a_planted_token_never_survives_redact(before: str, left: str, token: str, right: str, after: str):
    out = redact(before + left + token + right + after)
    assert token not in out and REDACTED in out


def test_unredact_puts_two_secrets_that_read_the_same_back_in_their_own_lines():
    """Found by the round-trip property: both lines came back with the first line's secret."""
    base = "[prod]\npassword = 'Prod1secret'\n[dev]\npassword = 'Dev2secret'\n"
    seen = redact(base)
    assert seen.count("password = '[REDACTED]'") == 2
    assert unredact(seen.replace("[dev]", "[development]"), base) == base.replace("[dev]", "[development]")
    # one of the two dropped: which one the model kept cannot be told, so neither secret is written
    dropped = seen.replace("[prod]\npassword = '[REDACTED]'\n", "")
    assert unredact(dropped, base) == dropped
