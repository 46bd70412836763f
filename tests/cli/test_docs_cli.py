"""`tether docs add|list|search|rm` and `tether bench docs` through the installed entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.fixtures.docs_server import DocsServer

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "docs"


def _env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_DATA_HOME": str(tmp_path / "xdg")}


def test_add_list_search_rm(tether, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copytree(SEEDS, ws / "vendor-docs")
    env = _env(tmp_path)

    added = tether("-C", str(ws), "docs", "add", "vendor-docs/llms.txt", "--json", env=env)
    assert added.returncode == 0, added.stderr
    report = json.loads(added.stdout)
    assert (report["source"], report["added"], report["failed"]) == ("Ferry", 14, 0)
    assert (ws / ".tether" / "docs.sqlite").is_file()

    text = tether("-C", str(ws), "docs", "add", "vendor-docs/llms.txt", env=env)
    assert text.returncode == 0
    assert text.stdout.startswith("Ferry: 0 added, 0 changed, 14 unchanged, 0 removed, 0 failed")

    listed = json.loads(tether("-C", str(ws), "docs", "list", "--json", env=env).stdout)
    assert [(s["name"], s["documents"], s["kind"]) for s in listed] == [("Ferry", 14, "llmstxt")]

    found = tether("-C", str(ws), "docs", "search", "dead letter queue retry", "-k", "2", "--json", env=env)
    hits = json.loads(found.stdout)
    assert len(hits) == 2
    assert hits[0]["path"].endswith("pages/retries.md")
    assert hits[0]["citation"].startswith(hits[0]["path"] + ":L")
    assert "Retries and failures" in hits[0]["heading"]

    plain = tether("-C", str(ws), "docs", "search", "cron time zone", env=env)
    assert plain.returncode == 0
    assert plain.stdout.startswith("1. ") and "scheduling.md:L" in plain.stdout

    removed = tether("-C", str(ws), "docs", "rm", "Ferry", env=env)
    assert removed.returncode == 0 and removed.stdout.strip() == "Removed Ferry."
    assert json.loads(tether("-C", str(ws), "docs", "list", "--json", env=env).stdout) == []


def test_errors_have_messages_and_exit_codes(tether, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    env = _env(tmp_path)
    missing = tether("-C", str(ws), "docs", "search", "anything", env=env)
    assert missing.returncode == 3
    assert missing.stderr.startswith("Error: No docs index at ") and "tether docs add" in missing.stderr

    (ws / "llms.txt").write_text("no title\n")
    bad = tether("-C", str(ws), "docs", "add", "llms.txt", env=env)
    assert bad.returncode == 3
    assert "llms.txt, line 1: an llms.txt must begin with an H1 title" in bad.stderr
    assert "Traceback" not in bad.stderr

    gone = tether("-C", str(ws), "docs", "rm", "nothing", env=env)
    assert gone.returncode == 3 and "No docs source named 'nothing'" in gone.stderr

    absent = tether("-C", str(ws), "docs", "add", "nope/", env=env)
    assert absent.returncode == 3 and "does not exist" in absent.stderr


def test_global_index_and_http_source(tether, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    env = _env(tmp_path)
    with DocsServer(SEEDS) as server:
        added = tether("-C", str(ws), "docs", "add", f"{server.url}/llms.txt", "--global", "--name", "ferry-web", "--json", env=env)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["added"] == 14
    assert not (ws / ".tether" / "docs.sqlite").exists()
    assert (tmp_path / "xdg" / "tether" / "docs.sqlite").is_file()
    hits = json.loads(tether("-C", str(ws), "docs", "search", "Prometheus metrics", "--global", "--json", env=env).stdout)
    assert hits[0]["url"] == f"{server.url}/pages/observability.md"
    listed = tether("-C", str(ws), "docs", "list", "--global", env=env)
    assert listed.stdout.startswith("ferry-web")


def test_bench_docs_json(tether, tmp_path):
    result = tether("bench", "docs", "--json", "--chunks", "3000", "--queries", "50", "--ingest-mb", "0.3", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["quality"]["questions"] >= 40
    assert data["quality"]["recall_at_5"] >= 0.9
    assert 0 < data["quality"]["mrr"] <= 1
    assert data["ingest"]["mb_per_s"] > 0 and data["ingest"]["megabytes"] >= 0.3
    assert data["query"]["chunks"] == 3000 and data["query"]["ms"]["n"] == 50


def test_bench_docs_on_a_corpus_folder_with_its_questions(tether, tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "commands").mkdir(parents=True)
    (corpus / "commands" / "pack.md").write_text(
        "---\ntitle: pack\ndescription: Create a tarball from a package\n---\n\n### Description\n\nWrites name-version.tgz.\n\n"
        "### Configuration\n\n#### dry-run\n\nReport what would be written, write nothing.\n"
    )
    (corpus / "commands" / "prune.md").write_text("# prune\n\nRemoves extraneous packages from node_modules.\n")
    (corpus / "guide.md").write_text("# Guide\n\n## Logging\n\nSet loglevel to silent to see errors only.\n")
    questions = tmp_path / "questions.json"
    questions.write_text(
        json.dumps(
            {
                "corpus": str(corpus),
                "questions": [
                    {"question": "create a tarball", "expected": "commands/pack.md"},
                    {"question": "write nothing, only report (dry run)", "expected": "commands/pack.md", "section": "dry-run"},
                    {"question": "remove extraneous packages", "expected": ["commands/prune.md", "guide.md"]},
                    {"question": "silent loglevel", "expected": "commands/prune.md", "section": "Logging"},  # a wrong answer key
                ],
            }
        )
    )
    result = tether("bench", "docs", "--questions", str(questions), env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["quality"]["questions"] >= 40 and "ingest" not in data and "query" not in data  # quality only, seeds beside
    got = data["corpus"]
    assert (got["documents"], got["questions"], got["section_questions"]) == (3, 4, 2)
    assert (got["recall_at_5"], got["section_recall_at_5"]) == (0.75, 0.5)
    assert 0 < got["mrr"] <= 0.75
    assert got["misses"] == [{"question": "silent loglevel", "expected": ["commands/prune.md"], "got": ["guide.md"]}]

    bad = tether("bench", "docs", "--corpus", str(corpus), env=_env(tmp_path))
    assert bad.returncode == 3 and "--corpus needs --questions FILE" in bad.stderr
    moved = tether("bench", "docs", "--questions", str(questions), "--corpus", str(tmp_path / "nowhere"), env=_env(tmp_path))
    assert moved.returncode == 3 and "does not exist" in moved.stderr
