"""Whole-file replies: sections dropped without a word (edits.sections) and replies that are
one bounded piece of the file (edits.piece). Pure functions on real text, no model."""

from __future__ import annotations

import pytest

from tether.edits.piece import find_piece
from tether.edits.sections import check_sections, dropped_sections, sections
from tether.errors import GenerationError

PYPROJECT = """[project]
name = "shapes"
version = "0.2.0"

[project.optional-dependencies]
test = ["pytest>=7"]

[tool.ruff]
line-length = 100

[tool.pytest.ini_options]
testpaths = ["tests"]
"""

README = """# shapes

Helpers.

## Usage

```python
# not a heading: inside a code block
print(1)
```

## Contributing

Open an issue first.
"""

CODE = """TIMEOUT = 30


def load(path):
    with open(path) as handle:
        return handle.read()


def save(path, text):
    with open(path, "w") as handle:
        handle.write(text)
"""


def test_sections_of_toml_markdown_and_python():
    assert [s.name for s in sections("pyproject.toml", PYPROJECT)] == [
        "project",
        "project.optional-dependencies",
        "tool.ruff",
        "tool.pytest.ini_options",
    ]
    assert [s.header for s in sections("README.md", README)] == ["# shapes", "## Usage", "## Contributing"]
    assert [s.name for s in sections("io.py", CODE)] == ["TIMEOUT", "load", "save"]
    assert sections("notes.txt", "anything\n") == []


def test_a_table_left_out_is_dropped_unless_the_instruction_names_it():
    new = PYPROJECT.replace("[tool.ruff]\nline-length = 100\n\n", "").replace("0.2.0", "0.2.1")
    assert [s.header for s in dropped_sections("pyproject.toml", PYPROJECT, new, "Bump the version.")] == ["[tool.ruff]"]
    assert dropped_sections("pyproject.toml", PYPROJECT, new, "Delete [tool.ruff].") == []
    assert dropped_sections("pyproject.toml", PYPROJECT, new, "Drop the ruff settings") == []
    with pytest.raises(GenerationError) as refusal:
        check_sections("pyproject.toml", PYPROJECT, new, "Set the ruff line-length to 120.")
    assert refusal.value.kind == "dropped" and "[tool.ruff]" in str(refusal.value)


def test_markdown_headings_left_out_are_dropped():
    new = "# shapes\n\nHelpers.\n\n## License\n\nMIT.\n"
    lost = dropped_sections("README.md", README, new, "Add a License section.")
    assert [s.header for s in lost] == ["## Usage", "## Contributing"]


def test_changed_values_renames_and_moves_are_not_drops():
    changed = CODE.replace("TIMEOUT = 30", "TIMEOUT = 60")
    assert dropped_sections("io.py", CODE, changed, "Wait a minute.") == []
    renamed = CODE.replace("def save(", "def store(")
    assert dropped_sections("io.py", CODE, renamed, "Use a better verb.") == []
    head, load, save = CODE.split("\n\n\n")
    assert dropped_sections("io.py", CODE, "\n\n\n".join([head, save, load]), "Put save first.") == []
    gone = "\n\n\n".join([head, load]) + "\n"
    assert [s.name for s in dropped_sections("io.py", CODE, gone, "Add type hints.")] == ["save"]


def test_a_heading_in_a_code_block_is_not_a_section():
    new = README.replace("# not a heading: inside a code block\n", "")
    assert dropped_sections("README.md", README, new, "Tidy the example.") == []


def test_a_bounded_piece_is_placed_by_its_first_and_last_lines():
    reply = "def load(path):\n    with open(path, encoding='utf-8') as handle:\n        return handle.read()\n"
    assert find_piece(reply, CODE) == (3, 6)


@pytest.mark.parametrize(
    "reply, why",
    [
        ("def load(path):\n    return 1\n", "keeps too little of the lines it bounds"),
        ("with open(path) as handle:\n    pass\n", "first line occurs twice"),
        ("def save(path, text):\n    x = 1\n)\n", "a bracket bounds nothing"),
        ("def save(path, text):\n", "one line bounds nothing"),
        ("def save(path, text):\n    with open(path, 'w') as handle:\n        handle.write(text)\nTIMEOUT = 30\n", "bounds out of order"),
    ],
)
def test_a_piece_that_cannot_be_placed_is_none(reply, why):
    assert find_piece(reply, CODE) is None, why


def test_a_file_written_twice_is_refused_as_repeated():
    with pytest.raises(GenerationError) as refusal:
        check_sections("io.py", CODE, CODE + "\n\n" + CODE, "Add type hints.")
    assert refusal.value.kind == "repeated"
    one_more = CODE + '\n\ndef load_bytes(path):\n    with open(path, "rb") as handle:\n        return handle.read()\n'
    check_sections("io.py", CODE, one_more, "Add load_bytes.")  # a new definition is not a repeat


@pytest.mark.parametrize(
    "instruction",
    ["Remove every function but load.", "Merge the two functions.", "Convert this to a class.", "Refactor for clarity."],
)
def test_instructions_that_ask_for_parts_to_go_let_sections_go(instruction):
    head, load, _ = CODE.split("\n\n\n")
    assert dropped_sections("io.py", CODE, "\n\n\n".join([head, load]) + "\n", instruction) == []
