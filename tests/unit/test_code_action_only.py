"""``context.only`` filtering for tether's code actions (lsp/actions.wanted).

lsprotocol types ``only`` as CodeActionKind members or plain strings; a member used to be
compared through an f-string (``CodeActionKind.Refactor.``), so ``only=[Refactor]`` hid the
refactor.rewrite actions it asks for. Found by mypy.
"""

from __future__ import annotations

import pytest
from lsprotocol import types

from tether.lsp.actions import wanted

K = types.CodeActionKind


@pytest.mark.parametrize(
    ("only", "expected"),
    [
        (None, True),
        ([], True),
        ([K.Refactor], True),
        ([K.RefactorRewrite], True),
        (["refactor"], True),
        (["refactor.rewrite"], True),
        ([K.QuickFix], False),
        ([K.RefactorExtract], False),
        (["refactor.rewrite.more"], False),  # narrower than what tether offers
        (["refactorx"], False),  # a prefix only counts at a dot
        ([K.QuickFix, "refactor"], True),
    ],
)
def test_only_filter_for_enum_members_and_strings(only, expected):
    assert wanted(only) is expected
