"""Fitting a completion to the place it lands (the COMPLETE level, every backend).

A completion is text inserted at the cursor, so it has to fit there: no control token in it,
leading whitespace that fits the cursor's column and the file's indent style, an end at a
line or block boundary, and no syntax error it brings into a file that parsed. The rules, in
order (docs/lsp.md, "Completion hygiene"):

1. Control tokens: the text is cut at the first control token the file does not itself hold,
   from the known families (``edits.reply`` for end-of-turn, Qwen/StarCoder/DeepSeek FIM, plus
   CodeLlama's ``<PRE> <SUF> <MID>``, StarCoder's metadata markers and tether's own
   next-edit markers here) and from the
   model's own vocabulary when the backend names them (``extra_tokens``).
2. Indentation: on a line holding only whitespace (or nothing) before the cursor, a first
   line whose indent would go deeper than the enclosing block allows (the line above's
   indent, one level more after a block opener, or the next line's when deeper) loses the
   surplus, and so do the lines after it; a reply whose own indentation is inconsistent (a
   dedent to a column no earlier line used) is cut before that line; after a space mid-line, a
   leading space is dropped. Continuation lines indented with spaces in a tab file (or tabs
   in a space file) are rewritten in the file's style (``edits.fit.fit_indent``); indented
   past the cursor line in steps of another width (4 in a 2-space file), they are re-indented
   as the cursor line's indent plus as many of the file's steps.
3. Boundaries: when the code after the cursor goes on (the suffix has more lines), the
   completion stops before a line that dedents below the cursor line's indent (it would end
   the block the suffix continues, as Copilot and Continue stop). A multi-line completion
   drops a last line cut by the token limit or, in code, ending mid-statement (an open
   bracket, a trailing operator, comma or backslash, or a block opener with no body).
4. Syntax: where tree-sitter has the language and the file parsed before (for Python, also
   ``ast.parse``, which sees the indentation errors tree-sitter lets through), the longest
   line-prefix of the completion that keeps it parsing is kept; when not even the first line
   does, the completion is refused (empty text, the reason logged at debug).

Columns and offsets are code points; lines as ``tether.lines`` defines them.
"""

from __future__ import annotations

import ast
import logging
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..code.syntax import lang_of, syntax_errors
from ..lines import split_lines, strip_break
from .fit import fit_indent, indent_style
from .reply import drop_control_tokens

log = logging.getLogger(__name__)

# Completion-only markers beyond ``edits.reply._CONTROL``: CodeLlama's infill markers (upper
# case, with the space the tokenizer puts after <PRE>/<SUF>/<MID> left to the cut) and
# StarCoder's repository metadata tokens (StarCoder paper, "Data formatting").
# Also tether's own next-edit markers (``prompts.next_edit`` and ``prompts.next_edit_sweep``),
# which a model tuned on them may write after a completion.
_FIM_EXTRA = re.compile(
    r"<(?:PRE|SUF|MID)>|<(?:filename|reponame|repo_name|gh_stars|issue_start|issue_comment|issue_closed|jupyter_[a-z]+|empty_output)>"
    r"|<\|(?:editable_region_start|editable_region_end|user_cursor_is_here|start_of_file|cursor)\|>"
)
_LEADING = re.compile(r"^[ \t]*")
# Full parses of the file spent on one completion's prefixes (rule 4), besides the parse of
# the file as it is: about 2 ms each for a 300-line file, 120 ms for 8,000 lines here.
MAX_PARSES = 6
# A line ending here goes on in the next line: an open bracket, an operator, a comma, a
# backslash, or a block opener (Python's colon, a C-family brace) with no body after it.
_UNFINISHED = re.compile(r"(?:[(\[{,\\:=+\-*/%&|^]|\band|\bor|\bnot|=>)\s*$")
_OPENS_BLOCK = re.compile(r"(?:[:{(\[]|=>)\s*(?:#.*|//.*)?$")


@dataclass(frozen=True)
class Fitted:
    """The text to insert (``""`` when refused) and, when it is empty, why (for the debug log)."""

    text: str
    reason: str = ""


def fit_completion(
    raw: str,
    path: str,
    text: str,
    offset: int,
    finish_reason: str | None = None,
    extra_tokens: tuple[str, ...] = (),
    max_lines: int | None = None,
) -> Fitted:
    """``raw`` (the model's text) fitted to be inserted into ``text`` at code-point ``offset``.

    ``path``: the file's path, for its language (tree-sitter grammars in ``code.syntax``).
    ``finish_reason``: the backend's ("length" marks a last line cut by the token limit).
    ``extra_tokens``: the model's own control token texts, when the backend knows them.
    ``max_lines``: the leash (``limits.complete.max_changed_lines``), applied before the end
    is trimmed so a leashed completion still ends at a boundary.
    Never raises for model text; an empty ``Fitted.text`` means nothing to insert.
    """
    prefix, suffix = text[:offset], text[offset:]
    completion = strip_control(raw, text, extra_tokens)
    completion = fit_leading_indent(completion, prefix, text, prose=is_prose(path))
    completion = stop_at_dedent(completion, prefix, suffix)
    lines = split_lines(completion, keepends=True)
    if max_lines is not None and len(lines) > max_lines:
        # Cut at a line break: its last line is whole, whatever ended the generation.
        completion, finish_reason = "".join(lines[:max_lines]), None
    completion = drop_partial_line(completion, finish_reason, code=lang_of(path) is not None)
    completion = trim_suffix_echo(completion, suffix)
    if not completion:
        return Fitted("", "nothing left after control tokens, trailing space and the suffix's own text")
    return keep_parsing(completion, path, text, offset)


def strip_control(completion: str, file_text: str, extra_tokens: tuple[str, ...] = ()) -> str:
    """``completion`` cut at its first control token that ``file_text`` does not hold."""
    completion = drop_control_tokens(completion, file_text)
    cuts = [m.start() for m in _FIM_EXTRA.finditer(completion) if m.group(0) not in file_text]
    cuts += [completion.find(tok) for tok in extra_tokens if tok and tok in completion and tok not in file_text]
    return completion[: min(cuts)] if cuts else completion


def fit_leading_indent(completion: str, prefix: str, file_text: str, prose: bool = False) -> str:
    """``completion`` with its leading whitespace fitted to the cursor (rule 2).

    ``prefix``: the file's text before the cursor. The indent unit is the file's
    (``edits.fit.indent_style``; 4 spaces when it shows none). ``prose`` (``is_prose``): a
    reply with inconsistent indentation is kept whole (a markdown list nests by 2 or 3 at
    will), only not re-indented; in code it is cut before its first inconsistent line.
    """
    if not completion:
        return completion
    line_prefix = _line_prefix(prefix)
    lines = split_lines(completion, keepends=True)
    first_lead = _lead(lines[0])
    if not line_prefix.strip() and first_lead and lines[0].strip():
        # At a line's start or after its indent only: an empty line takes the enclosing block's indent.
        allowed = _allowed_indent(prefix[: len(prefix) - len(line_prefix)], file_text, file_text[len(prefix) :])
        total = _width(line_prefix + first_lead)
        surplus = min(total - max(allowed, _width(line_prefix)), _width(first_lead))
        if surplus > 0:
            lines = _dedent(lines, first_lead, surplus)
    elif line_prefix.strip() and line_prefix[-1] in " \t" and first_lead and lines[0].strip():
        lines[0] = lines[0][len(first_lead) :]  # a space already typed, then the model's own
    consistent = _trim_inconsistent(lines, line_prefix)
    if len(consistent) < len(lines) and prose:
        return "".join(lines)  # as the model wrote it: no steps to read from it
    lines = consistent
    file_style, reply_style = indent_style(file_text), indent_style("".join(lines[1:]))
    if len(lines) > 1 and file_style and reply_style and file_style[0] != reply_style[0]:
        # Tabs for spaces or spaces for tabs, level for level (``edits.fit.fit_indent``).
        rest = fit_indent("".join(lines[1:]), "", file_text, "")
        lines = [lines[0], *split_lines(rest, keepends=True)]
    elif len(lines) > 1 and file_style and file_style[0] == " " and file_style[1]:
        lines = _rescale_relative(lines, _width(_lead(line_prefix + lines[0])), file_style[1])
    return "".join(lines)


def is_prose(path: str) -> bool:
    """Whether ``path`` names a prose file (markdown, reStructuredText, AsciiDoc, Org, plain
    text or no extension), whose indentation is not syntax."""
    return PurePosixPath(path.replace("\\", "/")).suffix.lower() in _PROSE_SUFFIXES


_PROSE_SUFFIXES = frozenset({"", ".md", ".markdown", ".mdx", ".txt", ".text", ".rst", ".adoc", ".org"})


def _trim_inconsistent(lines: list[str], line_prefix: str) -> list[str]:
    """``lines`` up to (not including) the first continuation line whose indent is
    inconsistent with the lines before it: a dedent to a column no earlier line (nor the
    cursor line) was indented at, as Python's tokenizer refuses (an ``IndentationError``).
    Lines inside open brackets or after a backslash are free, and so is a dedent below the
    cursor line's indent (a new block further out). The model's own indent steps are then read
    from consistent lines only (``_rescale_relative``)."""
    levels = [_width(_lead(line_prefix + lines[0]))]
    depth = _bracket_delta(line_prefix + lines[0])
    joined = strip_break(lines[0]).rstrip().endswith("\\")
    for index, line in enumerate(lines[1:], start=1):
        if not line.strip():
            continue
        if depth <= 0 and not joined:
            width = _width(_lead(line))
            if width > levels[-1]:
                levels.append(width)
            elif width < levels[0]:
                levels = [width]
            else:
                while levels[-1] > width:
                    levels.pop()
                if levels[-1] != width:
                    log.debug("completion cut at its line %d: an indent that matches no outer level", index + 1)
                    return lines[:index]
        depth = max(depth + _bracket_delta(line), 0)
        joined = strip_break(line).rstrip().endswith("\\")
    return lines


_STRINGS = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|#.*|//.*")


def _bracket_delta(line: str) -> int:
    """Brackets ``line`` opens minus those it closes, outside one-line strings and comments."""
    bare = _STRINGS.sub("", line)
    return sum(bare.count(c) for c in "([{") - sum(bare.count(c) for c in ")]}")


def _rescale_relative(lines: list[str], base: int, width: int) -> list[str]:
    """Continuation ``lines`` (``lines[1:]``, spaces) indented past ``base`` columns (the
    cursor line's indent) in steps of another width than the file's ``width``, re-indented as
    ``base`` plus as many of the file's steps. Only when every such line is a whole number of
    the model's steps past ``base``, the lines show two levels at least (one level of 8 may be
    two of 4: a PEP 8 hanging indent) and the step is an indent width people use (2, 3, 4 or
    8): an indent aligned to a bracket is left alone."""
    deeper = [_width(_lead(line)) - base for line in lines[1:] if line.strip() and _width(_lead(line)) > base]
    if not deeper or any("\t" in _lead(line) for line in lines[1:]):
        return lines
    step = min(deeper)
    if len(set(deeper)) < 2 or step == width or step not in (2, 3, 4, 8) or any(extra % step for extra in deeper):
        return lines
    out = [lines[0]]
    for line in lines[1:]:
        extra = _width(_lead(line)) - base
        out.append(" " * (base + extra // step * width) + line.lstrip(" ") if line.strip() and extra > 0 else line)
    return out


def stop_at_dedent(completion: str, prefix: str, suffix: str) -> str:
    """``completion`` up to (not including) its first line that dedents below the cursor
    line's indent, when the suffix holds more lines (the block goes on after the cursor)."""
    lines = split_lines(completion, keepends=True)
    rest = split_lines(suffix)[1:]
    if len(lines) < 2 or not any(line.strip() for line in rest):
        return completion
    line_prefix = _line_prefix(prefix)
    cursor_line = line_prefix + strip_break(lines[0])
    base = _width(_lead(cursor_line))
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() and _width(_lead(line)) < base:
            return "".join(lines[:index]).rstrip()
    return completion


def drop_partial_line(completion: str, finish_reason: str | None = None, code: bool = True) -> str:
    """A multi-line ``completion`` without a last line that the token limit cut or, in
    ``code`` (not prose), that ends mid-statement (``_UNFINISHED``); a single line is left."""
    lines = split_lines(completion.rstrip(), keepends=True)
    cut = finish_reason == "length"
    while len(lines) > 1 and (cut or (code and _UNFINISHED.search(strip_break(lines[-1]).rstrip()))):
        lines.pop()
        cut = False
    return "".join(lines).rstrip()


def trim_suffix_echo(completion: str, suffix: str) -> str:
    """Drop trailing blank space, and text the suffix already has (its next non-blank line)."""
    text = completion.rstrip()
    head = next(iter(split_lines(suffix.lstrip())), "").strip()
    if head and text.endswith(head):
        text = text[: -len(head)].rstrip()
    return text


def keep_parsing(completion: str, path: str, text: str, offset: int) -> Fitted:
    """The longest line-prefix of ``completion`` that leaves ``text`` parsing (rule 4).

    Only where tree-sitter has the language and ``text`` parses without error as it is;
    otherwise ``completion`` unchanged. Refused (empty, with the reason) when even its first
    line breaks the parse. Each candidate is a full parse (tree-sitter's incremental re-parse
    after ``Tree.edit`` was tried: for Python it reported errors a full parse does not), so at
    most ``MAX_PARSES`` of the longest prefixes are tried, then the first line alone.
    """
    if lang_of(path) is None or syntax_errors(path, text):
        return Fitted(completion)
    # tree-sitter's Python grammar accepts a line indented deeper or dedented to no outer
    # level (no ERROR node); Python's own parser, where the file passed it, is asked too.
    python = lang_of(path) == "python" and not _python_errors(text)
    lines = split_lines(completion, keepends=True)
    ends = list(range(len(lines), 0, -1))
    ends = ends[:MAX_PARSES] + ([1] if len(ends) > MAX_PARSES else [])
    for end in ends:
        candidate = "".join(lines[:end]).rstrip() if end < len(lines) else completion
        new_text = text[:offset] + candidate + text[offset:]
        errors = syntax_errors(path, new_text) or (_python_errors(new_text) if python else [])
        if not errors:
            if end < len(lines):
                log.debug("completion cut to %d of %d lines: the rest broke the syntax", end, len(lines))
            return Fitted(candidate)
    line, message = errors[0]
    reason = f"the completion breaks the syntax of {path}, which parsed before: line {line}, {message}"
    log.debug("completion refused: %s", reason)
    return Fitted("", reason)


# -- helpers --------------------------------------------------------------------------------


def _python_errors(text: str) -> list[tuple[int, str]]:
    """[(1-based line, message)] of the running Python's parser (``ast.parse``), which
    reports the indentation errors tree-sitter lets through; empty when ``text`` parses."""
    try:
        ast.parse(text)
    except SyntaxError as exc:  # IndentationError and TabError are SyntaxErrors
        return [(exc.lineno or 1, exc.msg)]
    except (ValueError, RecursionError, MemoryError) as exc:  # a NUL byte; nesting too deep
        return [(1, str(exc))]
    return []


def _line_prefix(prefix: str) -> str:
    """The cursor line's text before the cursor (``""`` at a line's start)."""
    return "" if not prefix or prefix.endswith(("\n", "\r")) else split_lines(prefix)[-1]


def _lead(line: str) -> str:
    return _LEADING.match(line).group(0)  # type: ignore[union-attr]


def _width(whitespace: str) -> int:
    return len(whitespace.expandtabs(4))


def _allowed_indent(before_line: str, file_text: str, after: str = "") -> int:
    """The deepest indent (columns) the cursor's line may take: the last non-blank line's
    indent above it, one file indent level more when that line opens a block, or the indent
    of the next non-blank line in ``after`` (the text from the cursor on) when that is deeper
    (the first line of a block). 0 at the top of a file."""
    above = next((line for line in reversed(split_lines(before_line)) if line.strip()), "")
    below = next((line for line in split_lines(after) if line.strip()), "")
    style = indent_style(file_text)
    unit = 4 if style is None or style[0] == "\t" or not style[1] else style[1]
    indent = _width(_lead(above))
    indent = indent + unit if _OPENS_BLOCK.search(above) else indent
    return max(indent, _width(_lead(below)))


def _dedent(lines: list[str], first_lead: str, columns: int) -> list[str]:
    """``lines`` with ``columns`` of indent taken off the first line, and off every later
    line that has that much (the model wrote the whole completion one level too deep)."""
    out = [_strip_columns(lines[0], columns)]
    later = [line for line in lines[1:] if line.strip()]
    shift = all(_width(_lead(line)) >= columns for line in later)
    out += [_strip_columns(line, columns) if shift and line.strip() else line for line in lines[1:]]
    return out


def _strip_columns(line: str, columns: int) -> str:
    lead = _lead(line)
    width = _width(lead)
    kept = max(width - columns, 0)
    rebuilt = "\t" * (kept // 4) + " " * (kept % 4) if lead.startswith("\t") else " " * kept
    return rebuilt + line[len(lead) :]
