"""A seeded fuzzer over the real server's stdio: every request answered, the server always up.

After ``initialize`` it sends ``MESSAGES`` hostile messages: bodies that are not JSON or not
JSON-RPC, wrong types in params, unknown methods, strings with lone surrogates, U+2028, form
feeds and NULs, huge strings, positions that are negative, past the end or huge, didOpen /
didChange / didClose out of order, ``tether/*`` methods and ``tether.*`` commands with junk
params, and right, wrong-typed or junk answers to the server's own requests
(``workspace/applyEdit``). After each message: a request is answered (a result, or an error
whose code JSON-RPC 2.0 or LSP 3.17 defines, or tether's -32001; never -32603, never a
traceback in ``error.data``), and a cheap ``tether/status`` answers. At the end ``shutdown``
then ``exit`` exits 0, and the server log holds no traceback and no ERROR line.

Why a seeded ``random.Random`` and not hypothesis: the server is one long-lived process whose
state (open buffers, proposals, the slider) carries from message to message, so a failing
message is rarely a failing example on its own, and hypothesis' shrinking would have to restart
the server (about a second) for every candidate. A fixed seed replays the run exactly; a failure
names the seed, the message's index and the last messages sent. ``TETHER_FUZZ_SEED`` picks
another seed, ``TETHER_FUZZ_MESSAGES`` a longer run. The model is the scripted OpenAI-compatible
server (tests/fixtures/openai_server.py), so completions and edits never reach a real model.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from raw_stdio import RawServer
from tests.fixtures.openai_server import Reply, ScriptedOpenAIServer

SEED = int(os.environ.get("TETHER_FUZZ_SEED", "20261201"))
MESSAGES = int(os.environ.get("TETHER_FUZZ_MESSAGES", "400"))

# JSON-RPC 2.0 (5.1) and LSP 3.17 ("Response Message") codes a fuzzed request may get, and
# tether's own -32001 (errors.py). -32603 is absent on purpose: an internal error is a bug.
ALLOWED_CODES = {-32700, -32600, -32601, -32602, -32002, -32800, -32801, -32802, -32803, -32001}

CALC = "def add(a, b):\n    return a + b\n\n\ndef square(x):\n    return x * x\n"
ODD = [
    "\ud800",
    "\udfff",
    "a\udc00b",
    "\u2028",
    "\u2029",
    "\x0c",
    "\x00",
    "\x85",
    "\x0b",
    "\x1c\x1d\x1e",
    "\r",
    "\r\n",
    "\n",
    "\ufeff",
    "\U0001f600",
    "e\u0301",
    "\u202e",
    "\\",
    '"',
    "'",
    "`",
    "${HOME}",
    "..",
    "%00",
    "\t",
    " ",
    "ü",
    "\uffff",
    "\ufffe",
]
HUGE_INTS = [-1, -(2**31), 2**31, 2**31 - 1, 2**53, 10**30, -(10**30), 2**64]
# the methods tether serves, three times over, and some LSP methods it does not serve
STANDARD_REQUESTS = [
    "textDocument/completion",
    "textDocument/inlineCompletion",
    "textDocument/codeAction",
    "workspace/executeCommand",
] * 3 + [
    "textDocument/hover",
    "textDocument/definition",
    "completionItem/resolve",
    "textDocument/copilotInlineEdit",
    "workspace/symbol",
    "textDocument/formatting",
]
TETHER_METHODS = [
    "tether/status",
    "tether/listProposals",
    "tether/getProposal",
    "tether/acceptHunks",
    "tether/rejectHunks",
    "tether/setLevel",
    "tether/createProposal",
]
COMMANDS = [
    "tether.editSelection",
    "tether.editFile",
    "tether.editRepo",
    "tether.accept",
    "tether.reject",
    "tether.acceptAll",
    "tether.rejectAll",
    "tether.setAutonomy",
    "tether.showContext",
    "tether.listProposals",
    "tether.nothing",
    "",
    "rm -rf /",
]


class Fuzz:
    """Message generators over one ``random.Random``; each returns (body, expects_reply)."""

    def __init__(self, rng: random.Random, root: Path):
        self.rng = rng
        self.root = root
        self.next_id = 1000
        self.versions: dict[str, int] = {}

    # -- values ----------------------------------------------------------------------------

    def odd_string(self) -> str:
        r = self.rng
        kind = r.randrange(6)
        if kind == 0:
            return "".join(r.choice(ODD) for _ in range(r.randrange(1, 12)))
        if kind == 1:
            return r.choice(ODD) * r.choice([1, 1000, 50_000])
        if kind == 2:
            return "x" * r.choice([0, 1, 100_000, 400_000])
        if kind == 3:
            return "".join(chr(r.randrange(0, 0x110000)) for _ in range(r.randrange(1, 40)))
        if kind == 4:
            return CALC.replace("\n", r.choice(["\r\n", "\r", "\u2028", "\x0c\n", "\x00\n", "\ud800\n"]))
        return r.choice(["", "file:///", "file:///etc/passwd", "untitled:Untitled-1", "not a uri", "file://host/x.py"])

    def junk(self, depth: int = 0) -> Any:
        r = self.rng
        kind = r.randrange(9 if depth < 3 else 6)
        if kind == 0:
            return None
        if kind == 1:
            return r.choice([True, False])
        if kind == 2:
            return r.choice(HUGE_INTS + [0, 1, 7])
        if kind == 3:
            return r.choice([0.5, -0.0, 1e308, -1e308, 3.0])
        if kind in (4, 5):
            return self.odd_string()
        if kind == 6:
            return [self.junk(depth + 1) for _ in range(r.randrange(4))]
        keys = [
            "uri",
            "textDocument",
            "position",
            "range",
            "line",
            "character",
            "proposalId",
            "hunkIds",
            "level",
            "instruction",
            "all",
            "command",
            "arguments",
            "context",
            "text",
            "version",
            self.odd_string(),
        ]
        return {r.choice(keys): self.junk(depth + 1) for _ in range(r.randrange(5))}

    def uri(self) -> str:
        r = self.rng
        choice = r.randrange(5)
        if choice <= 1:
            return (self.root / "calc.py").as_uri()
        if choice == 2:
            return (self.root / "fuzz.py").as_uri()
        if choice == 3:
            return (self.root / r.choice(["a b.py", "ü.py", "../outside.py", "sub/deep.py"])).as_uri()
        return self.odd_string()

    def position(self) -> dict[str, Any]:
        r = self.rng
        hostile = r.random() < 0.25

        def pick() -> int:
            return r.choice([200, -1, 70_000] + HUGE_INTS) if hostile and r.random() < 0.7 else r.randrange(8)

        position: dict[str, Any] = {"line": pick(), "character": pick()}
        if r.random() < 0.1:
            position[r.choice(["line", "character"])] = self.junk()
        return position

    def range(self) -> dict[str, Any]:
        return {"start": self.position(), "end": self.position()}

    # -- messages --------------------------------------------------------------------------

    def request(self, method: Any, params: Any) -> tuple[dict[str, Any], bool]:
        self.next_id += 1
        tail = self.rng.choice(["", "\u2028", "\x00", "ü", " ", "\\", "\U0001f600"])
        msg_id: Any = self.next_id if self.rng.random() < 0.8 else f"fuzz-{self.next_id}-{tail}"
        return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}, True

    def notification(self, method: str, params: Any) -> tuple[dict[str, Any], bool]:
        return {"jsonrpc": "2.0", "method": method, "params": params}, False

    def malformed(self) -> tuple[bytes, bool]:
        r = self.rng
        bodies = [
            b'{"jsonrpc": "2.0", "id": 1, "method": ',
            b"\xff\xfe\x00garbage",
            b"",
            b"[" * 5000 + b"]" * 5000,
            b'{"jsonrpc": "2.0", "id": 2, "method": "tether/status", "params": {}',
            b'{"jsonrpc": "2.0", "id": 3, "method": "tether/status", "params": NaN',
            b"null",
            b'"just a string"',
            b"[]",
            b'[{"jsonrpc": "2.0", "id": 4, "method": "tether/status"}]',
            b'{"jsonrpc": "1.0", "id": 5, "method": "tether/status"}',
            b'{"id": 6, "method": "tether/status"}',
            b'{"jsonrpc": "2.0", "id": {"a": 1}, "method": "tether/status"}',
            b'{"jsonrpc": "2.0", "id": 7, "method": ["tether/status"]}',
            b'{"jsonrpc": "2.0", "id": 8, "method": "tether/status", "params": "x"}',
            b'{"jsonrpc": "2.0", "id": 9, "method": "tether/status", "params": {"\\ud800": 1}}',
            bytes(r.randrange(256) for _ in range(r.randrange(1, 64))),
        ]
        body = r.choice(bodies + [b""])
        # pygls' reader skips a body of Content-Length 0 without a word (no -32700): not answered
        return body, body != b""

    def text_sync(self) -> tuple[dict[str, Any], bool]:
        r = self.rng
        uri = self.uri()
        kind = r.randrange(5)
        if kind <= 1:
            version = r.choice([1, 0, -1, 2**31, self.versions.get(uri, 0) + 1])
            self.versions[uri] = version if isinstance(version, int) else 0
            text = r.choice([CALC, self.odd_string(), CALC + self.odd_string()])
            doc: Any = {"uri": uri, "languageId": r.choice(["python", "", "\ud800"]), "version": version, "text": text}
            if r.random() < 0.15:
                doc = self.junk()
            return self.notification("textDocument/didOpen", {"textDocument": doc})
        if kind <= 3:
            version = self.versions.get(uri, 0) + r.choice([1, 1, 0, -5, 100])
            self.versions[uri] = version
            change: Any
            if r.random() < 0.5:
                change = {"range": self.range(), "text": self.odd_string()}
            else:
                change = {"text": r.choice([CALC, self.odd_string()])}
            if r.random() < 0.1:
                change = self.junk()
            changes = [change] * r.randrange(0, 3)
            return self.notification(
                "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}
            )
        self.versions.pop(uri, None)
        return self.notification("textDocument/didClose", {"textDocument": {"uri": uri}})

    def standard_request(self) -> tuple[dict[str, Any], bool]:
        r = self.rng
        method = r.choice(STANDARD_REQUESTS)
        if r.random() < 0.2:
            return self.request(method, self.junk() if r.random() < 0.5 else r.choice([None, [], {}, [1, 2]]))
        params: dict[str, Any] = {"textDocument": {"uri": self.uri()}, "position": self.position()}
        if method == "textDocument/inlineCompletion":
            params["context"] = {"triggerKind": r.choice([1, 2, 0, 99, "x"])}
        if method == "textDocument/codeAction":
            params = {"textDocument": {"uri": self.uri()}, "range": self.range(), "context": {"diagnostics": []}}
        if method == "workspace/executeCommand":
            return self.command()
        return self.request(method, params)

    def command(self) -> tuple[dict[str, Any], bool]:
        r = self.rng
        name = r.choice(COMMANDS)
        argument = r.choice(
            [
                lambda: self.junk(),
                lambda: {"uri": self.uri(), "range": self.range(), "instruction": self.odd_string()[:200]},
                lambda: {"proposalId": self.odd_string()[:50], "hunkIds": [self.odd_string()[:20]]},
                lambda: {"level": r.choice(["complete", "selection", "file", "repo", "REPO", 3, None, "\ud800"])},
            ]
        )()
        arguments = r.choice([[argument], [argument, argument], [], argument])
        return self.request("workspace/executeCommand", {"command": name, "arguments": arguments})

    def tether_request(self) -> tuple[dict[str, Any], bool]:
        r = self.rng
        method = r.choice(TETHER_METHODS)
        params = r.choice(
            [
                lambda: self.junk(),
                lambda: {"proposalId": self.odd_string()[:50], "hunkIds": r.choice([None, [], [self.odd_string()[:20]]])},
                lambda: {"level": r.choice(["complete", "selection", "file", "repo", "", 0, "\u2028"])},
                lambda: {"uri": self.uri(), "range": self.range(), "instruction": self.odd_string()[:100]},
                lambda: {"all": self.junk()},
            ]
        )()
        return self.request(method, params)

    def unknown(self) -> tuple[dict[str, Any], bool]:
        r = self.rng
        method = r.choice(["tether/noSuch", "tether/", "$/fuzz", "foo", "", "textDocument/", "tether/status/extra"])
        method = method if r.random() < 0.7 else self.odd_string()[:64]
        if r.random() < 0.25:
            return self.notification(method, self.junk())
        return self.request(method, self.junk())

    def answer(self, request: dict[str, Any]) -> Any:
        """The client's result for a request from the server: right, wrong-typed or junk."""
        r = self.rng
        if request.get("method") == "workspace/applyEdit" and r.random() < 0.6:
            return r.choice([{"applied": True}, {"applied": False, "failureReason": self.odd_string()[:50]}])
        return r.choice([None, self.junk(), {}, []])

    def message(self) -> tuple[Any, bool]:
        generators: list[tuple[float, Callable[[], tuple[Any, bool]]]] = [
            (0.10, self.malformed),
            (0.30, self.text_sync),
            (0.25, self.standard_request),
            (0.20, self.tether_request),
            (0.15, self.unknown),
        ]
        pick = self.rng.random()
        for weight, generate in generators:
            if pick < weight:
                return generate()
            pick -= weight
        return generators[-1][1]()


def shown(body: Any) -> str:
    text = body.decode("utf-8", "backslashreplace") if isinstance(body, bytes) else json.dumps(body)
    return text if len(text) < 300 else text[:300] + f"... ({len(text)} characters)"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "calc.py").write_text(CALC)
    return tmp_path


def next_reply(raw: RawServer) -> dict[str, Any]:
    """The next response, whatever its id: the answer to a body whose id cannot be known in advance."""
    if raw.seen:
        return raw.seen.pop(0)
    while True:
        message = raw.messages.get(timeout=30)
        if "method" in message and "id" in message:
            raw.send({"jsonrpc": "2.0", "id": message["id"], "result": raw.answer(message)})
        elif "method" not in message:
            return message


def problem_with_reply(reply: dict[str, Any]) -> str | None:
    """Why ``reply`` is not an acceptable answer to a fuzzed request, or None."""
    if "result" in reply and "error" not in reply:
        return None
    error = reply.get("error")
    if not isinstance(error, dict):
        return "neither a result nor an error"
    if error.get("code") not in ALLOWED_CODES:
        return f"error code {error.get('code')} is not one to expect"
    if "traceback" in json.dumps(error.get("data")).lower() or "Traceback" in str(error.get("message")):
        return "a traceback in the error"
    return None


def test_fuzzed_messages_are_answered_and_the_server_stays_up(root: Path, server: ScriptedOpenAIServer):
    slot = {"backend": "openai", "baseUrl": server.base_url, "model": "scripted-model", "maxRetries": 0}
    options = {
        "models": {"scripted": slot},
        "roles": {"complete": ["scripted"], "edit": ["scripted"], "embed": []},
        "complete": {"debounceMs": 0, "maxTokens": 8},
    }
    fuzz = Fuzz(random.Random(SEED), root)
    raw = RawServer(root)
    raw.answer = fuzz.answer
    sent: list[str] = []
    outcomes: dict[Any, int] = {}  # "result" or an error code -> how many fuzzed requests got it

    def fail(index: int, why: str) -> None:
        recent = "\n".join(sent[-5:])
        pytest.fail(
            f"seed {SEED}, message {index}: {why}\nlast messages sent:\n{recent}\nserver log tail:\n"
            f"{raw.stderr[-3000:].decode('utf-8', 'replace')}"
        )

    try:
        init = raw.request(
            1, "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}, "initializationOptions": options}
        )
        assert "capabilities" in init["result"], init
        raw.notify("initialized", {})
        for index in range(MESSAGES):
            body, answered = fuzz.message()
            sent.append(f"#{index}: {shown(body)}")
            raw.send(body)
            if answered:
                try:
                    reply = raw.reply(body["id"]) if isinstance(body, dict) else next_reply(raw)
                except Exception:
                    fail(index, "no reply" if raw.proc.poll() is None else f"the server exited ({raw.proc.returncode})")
                outcome = reply["error"].get("code") if isinstance(reply.get("error"), dict) else "result"
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                why = problem_with_reply(reply)
                if why is not None:
                    fail(index, f"{why}: {shown(reply)}")
            status_id = f"alive-{index}"
            try:
                status = raw.request(status_id, "tether/status", {})
            except Exception:
                fail(index, "tether/status went unanswered" if raw.proc.poll() is None else "the server exited")
            if "result" not in status:
                fail(index, f"tether/status failed: {shown(status)}")
        assert raw.request("bye", "shutdown")["result"] is None
        raw.notify("exit")
        assert raw.wait() == 0
        log = raw.stderr.decode("utf-8", "replace")
        assert "Traceback" not in log, log[-5000:]
        errors = [line for line in log.splitlines() if line.startswith(("ERROR", "CRITICAL"))]
        assert not errors, errors[:10]  # e.g. a notification handler that raised
        # the run reached tether's handlers (a result, or a TetherError: -32001), not only the envelope checks
        reached = outcomes.get("result", 0) + outcomes.get(-32001, 0)
        assert reached >= 12 and {-32700, -32600, -32601, -32602} <= set(outcomes), outcomes
        print(f"seed {SEED}: {MESSAGES} messages, replies {outcomes}, {len(server.requests)} model calls (scripted)")
    finally:
        raw.kill()


def test_change_to_a_closed_document_and_unreadable_notifications_log_one_warning_each(root: Path):
    """Found by the fuzzer: a didChange for a document not open raised KeyError in pygls (and then
    InputError in tether's handler for a file not on disk), and a notification with unreadable
    params or a body that is not JSON logged full tracebacks at ERROR."""
    raw = RawServer(root)
    try:
        raw.initialize()
        gone = (root / "gone.py").as_uri()
        change = {"textDocument": {"uri": gone, "version": 2}, "contentChanges": [{"text": "x"}]}
        raw.notify("textDocument/didChange", change)
        raw.notify("textDocument/didOpen", {"textDocument": 7})
        raw.send(b'{"jsonrpc": "2.0", "method": ')
        assert raw.reply(None)["error"]["code"] == -32700
        assert raw.request(2, "tether/status", {})["result"]["level"]
        assert raw.request(3, "shutdown")["result"] is None
        raw.notify("exit")
        assert raw.wait() == 0
        log = raw.stderr.decode("utf-8", "replace")
        assert "Traceback" not in log and not [line for line in log.splitlines() if line.startswith("ERROR")], log
        assert "gone.py', which is not open; ignored." in log
        assert "Invalid params for textDocument/didOpen" in log and "the notification is ignored" in log
    finally:
        raw.kill()


def test_apply_edit_answered_with_null_fails_the_accept_instead_of_hanging_it(root: Path, server: ScriptedOpenAIServer):
    """Found by the fuzzer: pygls could not read ``{"result": null}`` as an ApplyWorkspaceEditResult
    and left the request waiting forever, so tether.acceptAll never answered and held the accept lock."""
    slot = {"backend": "openai", "baseUrl": server.base_url, "model": "scripted-model", "maxRetries": 0}
    options = {"models": {"scripted": slot}, "roles": {"complete": ["scripted"], "edit": ["scripted"], "embed": []}}
    docstring = '    """Return the sum of a and b."""\n'
    server.script(Reply(text=f"```python\ndef add(a, b):\n{docstring}    return a + b\n```"))
    raw = RawServer(root)  # answers every request from the server (workspace/applyEdit too) with null
    try:
        raw.request(1, "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}, "initializationOptions": options})
        raw.notify("initialized", {})
        selection = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}
        params = {"uri": (root / "calc.py").as_uri(), "range": selection, "instruction": "Add a docstring."}
        created = raw.request(2, "tether/createProposal", params)
        assert "result" in created, created
        proposal_id = created["result"]["id"]
        for msg_id in (3, 4):  # the second shows the accept lock was released
            accepted = raw.request(msg_id, "tether/acceptHunks", {"proposalId": proposal_id})
            assert accepted["result"]["applied"] is False, accepted
            assert "could not be read" in accepted["result"]["failureReason"]
        assert (root / "calc.py").read_text() == CALC
    finally:
        raw.kill()
