"""`tether docs add` knows an llms.txt by its content (https://llmstxt.org: an H1, then `##`
sections of link lists), whatever the file or URL is called, and says how it read the source."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.fixtures.docs_server import DocsServer

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "docs"
FERRY_LINKS = 13  # the seed llms.txt links 13 pages


def _env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_DATA_HOME": str(tmp_path / "xdg")}


def _ferry_under(tmp_path: Path, name: str) -> Path:
    """The seed docs in a workspace, their llms.txt renamed to ``name``."""
    ws = tmp_path / "ws"
    shutil.copytree(SEEDS, ws / "vendor-docs")
    (ws / "vendor-docs" / "llms.txt").rename(ws / "vendor-docs" / name)
    return ws


def test_llmstxt_under_another_name_is_read_as_llmstxt(tether, tmp_path):
    ws = _ferry_under(tmp_path, "ferry-index.md")
    added = tether("-C", str(ws), "docs", "add", "vendor-docs/ferry-index.md", "--json", env=_env(tmp_path))
    assert added.returncode == 0, added.stderr
    report = json.loads(added.stdout)
    assert (report["source"], report["kind"], report["added"], report["failed"]) == ("Ferry", "llmstxt", FERRY_LINKS + 1, 0)
    assert report["read_as"] == f"llms.txt: {FERRY_LINKS} links"

    again = tether("-C", str(ws), "docs", "add", "vendor-docs/ferry-index.md", env=_env(tmp_path))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0].startswith(f"Ferry: 0 added, 0 changed, {FERRY_LINKS + 1} unchanged")
    assert again.stdout.splitlines()[1] == f"{ws / 'vendor-docs' / 'ferry-index.md'}: read as llms.txt: {FERRY_LINKS} links"
    listed = json.loads(tether("-C", str(ws), "docs", "list", "--json", env=_env(tmp_path)).stdout)
    assert [(s["name"], s["documents"], s["kind"]) for s in listed] == [("Ferry", FERRY_LINKS + 1, "llmstxt")]


def test_markdown_page_with_links_and_prose_stays_one_page(tether, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "guide.md").write_text(
        "# Guide\n\nSome words.\n\n## Install\n\nRun `pip install ferry`, then read:\n\n- [Jobs](jobs.md)\n\n## Next\n\n- [Queues](queues.md)\n"
    )
    result = tether("-C", str(ws), "docs", "add", "guide.md", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("guide: 1 added, 0 changed, 0 unchanged")
    assert lines[1] == f"{ws / 'guide.md'}: read as a markdown page"
    data = json.loads(tether("-C", str(ws), "docs", "list", "--json", env=_env(tmp_path)).stdout)
    assert [(s["documents"], s["kind"]) for s in data] == [(1, "markdown")]


def test_llmstxt_at_another_url_is_followed(tether, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SEEDS, site)
    (site / "llms.txt").rename(site / "docs-index.txt")
    ws = tmp_path / "ws"
    ws.mkdir()
    with DocsServer(site) as server:
        added = tether("-C", str(ws), "docs", "add", f"{server.url}/docs-index.txt", "--json", env=_env(tmp_path))
        assert added.returncode == 0, added.stderr
        report = json.loads(added.stdout)
        assert (report["kind"], report["read_as"], report["added"]) == ("llmstxt", f"llms.txt: {FERRY_LINKS} links", FERRY_LINKS + 1)
        assert server.statuses("/pages/jobs.md") == [200]


def test_html_page_shaped_like_llmstxt_is_not_followed(tether, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "jobs.md").write_text("# Jobs\n\nHow jobs work.\n")
    # HTML whose markdown rendering is an H1 and a list of links: a site's index page, not an llms.txt
    (site / "index.html").write_text('<html><body><h1>Ferry</h1><h2>Docs</h2><ul><li><a href="jobs.md">Jobs</a></li></ul></body></html>')
    ws = tmp_path / "ws"
    ws.mkdir()
    with DocsServer(site) as server:
        added = tether("-C", str(ws), "docs", "add", f"{server.url}/index.html", "--json", env=_env(tmp_path))
        assert added.returncode == 0, added.stderr
        report = json.loads(added.stdout)
        assert (report["kind"], report["read_as"], report["added"]) == ("markdown", "a markdown page", 1)
        assert server.statuses("/jobs.md") == []


def test_page_that_becomes_an_llmstxt_is_reread_as_one_and_not_cited(tether, tmp_path):
    ws = tmp_path / "ws"
    (ws / "docs").mkdir(parents=True)
    (ws / "docs" / "retries.md").write_text("# Retries\n\nFailed jobs are retried with exponential backoff.\n")
    index = ws / "docs" / "start.md"
    index.write_text("# Ferry\n\nFerry retries jobs; see the retries page for backoff.\n")
    first = json.loads(tether("-C", str(ws), "docs", "add", "docs/start.md", "--json", env=_env(tmp_path)).stdout)
    assert (first["kind"], first["read_as"], first["added"]) == ("markdown", "a markdown page", 1)

    index.write_text("# Ferry\n\n## Docs\n\n- [Retries](retries.md): backoff and retries\n")
    again = json.loads(tether("-C", str(ws), "docs", "add", "docs/start.md", "--json", env=_env(tmp_path)).stdout)
    assert (again["kind"], again["read_as"], again["added"], again["changed"]) == ("llmstxt", "llms.txt: 1 link", 1, 1)
    listed = json.loads(tether("-C", str(ws), "docs", "list", "--json", env=_env(tmp_path)).stdout)
    assert [(s["documents"], s["kind"]) for s in listed] == [(2, "llmstxt")]
    hits = json.loads(tether("-C", str(ws), "docs", "search", "retries backoff", "--json", env=_env(tmp_path)).stdout)
    assert hits and all(h["citation"].startswith(str(ws / "docs" / "retries.md")) for h in hits), hits
