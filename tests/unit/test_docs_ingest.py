"""Ingesting docs sources: local llms.txt, folders, files, and llms.txt over a real local HTTP server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests.fixtures.docs_server import DocsServer

from tether.docs.fetch import Fetcher, FetchLimits, is_private_host, resolves_private, twin_url
from tether.docs.index import DocsIndex
from tether.docs.ingest import Ingester
from tether.docs.llmstxt import LlmsTxtError
from tether.errors import InputError

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "docs"


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A writable copy of the seeds corpus."""
    return Path(shutil.copytree(SEEDS, tmp_path / "corpus"))


@pytest.fixture
def index(tmp_path):
    with DocsIndex(tmp_path / "docs.sqlite") as ix:
        yield ix


def _chunk_ids(index: DocsIndex, key_part: str) -> list[int]:
    rows = index.conn.execute(
        "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.key LIKE ? ORDER BY c.id",
        (f"%{key_part}%",),
    )
    return [r[0] for r in rows]


async def test_local_llms_txt_ingests_every_linked_page(index, corpus):
    report = await Ingester(index, corpus).add("llms.txt")
    assert (report.source, report.kind, report.title) == ("Ferry", "llmstxt", "Ferry")
    assert (report.added, report.failed, report.warnings) == (14, 0, [])  # llms.txt + 13 pages
    assert report.chunks == index.chunk_count() > 14
    hit = index.search("where do jobs go after failing the last attempt", k=1)[0]
    assert hit.path == str(corpus / "pages" / "retries.md")
    assert hit.heading == "Retries and failures > The dead-letter queue"
    lines = (corpus / "pages" / "retries.md").read_text().split("\n")
    assert hit.text == "\n".join(lines[hit.start_line - 1 : hit.end_line])


async def test_optional_section_pages_are_marked(index, corpus):
    await Ingester(index, corpus).add("llms.txt")
    optional = {r[0] for r in index.conn.execute("SELECT key FROM documents WHERE optional = 1")}
    assert optional == {"pages/changelog.md", "pages/faq.md", "pages/upgrading.md"}
    assert index.search("weighted queue selection release", k=1)[0].path.endswith("changelog.md")
    assert all(not h.path.endswith("changelog.md") for h in index.search("weighted queue selection release", k=5, include_optional=False))


async def test_reingest_after_a_change_touches_only_the_changed_page(index, corpus):
    await Ingester(index, corpus).add("llms.txt")
    before_jobs = _chunk_ids(index, "jobs.md")
    before_retries = _chunk_ids(index, "retries.md")
    page = corpus / "pages" / "retries.md"
    page.write_text(page.read_text().replace("dead-letter queue", "graveyard queue"))

    report = await Ingester(index, corpus).add(str(corpus / "llms.txt"))
    assert (report.added, report.changed, report.unchanged, report.removed) == (0, 1, 13, 0)
    assert _chunk_ids(index, "jobs.md") == before_jobs  # untouched rows keep their ids
    assert _chunk_ids(index, "retries.md") != before_retries
    assert index.search("graveyard", k=1)[0].path == str(page)

    again = await Ingester(index, corpus).add("llms.txt")
    assert (again.changed, again.unchanged, again.chunks) == (0, 14, 0)


async def test_pages_dropped_from_llms_txt_are_removed(index, corpus):
    await Ingester(index, corpus).add("llms.txt")
    llms = corpus / "llms.txt"
    llms.write_text("\n".join(line for line in llms.read_text().splitlines() if "pages/faq.md" not in line))
    report = await Ingester(index, corpus).add("llms.txt")
    assert (report.removed, report.changed) == (1, 1)  # faq removed; llms.txt itself changed
    assert all(not h.path.endswith("faq.md") for h in index.search("Redis Django", k=10))


async def test_unsafe_links_are_skipped_and_reported(index, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "secret.md").write_text("# Secret\n\nhunter2\n")
    (site / "ok.md").write_text("# Ok\n\nfine\n")
    (site / "llms.txt").write_text(
        "# Site\n\n## Docs\n\n- [Ok](ok.md)\n- [Up](../secret.md)\n- [File](file:///etc/passwd)\n"
        "- [Js](javascript:alert(1))\n- [Anchor](#top)\n"
    )
    report = await Ingester(index, tmp_path).add("site/llms.txt")
    assert report.added == 2
    joined = "\n".join(report.warnings)
    assert "line 6: link 'Up' (../secret.md) points outside the llms.txt's folder; skipped" in joined
    assert "'File' (file:///etc/passwd) is not an http(s) URL" in joined
    assert "'Js'" in joined
    assert index.search("hunter2", k=5) == []


async def test_folder_of_markdown(index, tmp_path):
    folder = tmp_path / "docs"
    (folder / "guide").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    (folder / "node_modules").mkdir()
    (folder / "index.md").write_text("# Home\n\nWelcome to the orchard.\n")
    (folder / "guide" / "pruning.markdown").write_text("# Pruning\n\nCut apple trees in winter.\n")
    (folder / ".hidden" / "x.md").write_text("# Hidden\n\norchard\n")
    (folder / "node_modules" / "y.md").write_text("# Vendored\n\norchard\n")
    (folder / "notes.txt").write_text("orchard")
    report = await Ingester(index, tmp_path).add("docs")
    assert (report.kind, report.source, report.added) == ("folder", "docs", 2)
    assert {h.heading for h in index.search("orchard apple", k=5)} == {"Home", "Pruning"}


async def test_single_markdown_file_and_names(index, tmp_path):
    (tmp_path / "notes.md").write_text("Loose notes about kites.\n")
    report = await Ingester(index, tmp_path).add("notes.md")
    assert (report.kind, report.source) == ("markdown", "notes")
    (tmp_path / "other.md").write_text("# Other\n")
    with pytest.raises(InputError, match="already exists"):
        await Ingester(index, tmp_path).add("other.md", name="notes")
    again = await Ingester(index, tmp_path).add("notes.md", name="renamed")
    assert again.source == "notes" and "already indexed as 'notes'" in again.warnings[0]
    with pytest.raises(InputError, match="does not exist"):
        await Ingester(index, tmp_path).add("missing.md")


async def test_malformed_llms_txt_is_a_clear_error_and_adds_nothing(index, tmp_path):
    (tmp_path / "llms.txt").write_text("No title here\n\n- [a](a.md)\n")
    with pytest.raises(LlmsTxtError, match=r"line 1: an llms.txt must begin with an H1 title"):
        await Ingester(index, tmp_path).add("llms.txt")
    assert index.list_sources() == []


def test_twin_urls():
    assert twin_url("https://x.dev/docs/page") == "https://x.dev/docs/page.md"
    assert twin_url("https://x.dev/docs/page.html") == "https://x.dev/docs/page.html.md"
    assert twin_url("https://x.dev/docs/") == "https://x.dev/docs/index.html.md"
    assert twin_url("https://x.dev/docs/page.md") is None
    assert twin_url("https://x.dev/llms-full.txt") is None


# -- over HTTP --------------------------------------------------------------------------------


@pytest.fixture
def site(corpus) -> Path:
    """The seeds corpus plus pages that exercise the fetcher: a twin, HTML, big, binary."""
    (corpus / "pages" / "plain.html").write_text(
        "<html><head><style>x{}</style></head><body><nav>menu</nav><h1>Plain page</h1>"
        "<p>Served only as HTML about <b>zeppelins</b>.</p><pre>fly()</pre></body></html>"
    )
    (corpus / "pages" / "big.md").write_text("# Big\n\n" + "padding " * 5000)
    (corpus / "pages" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    llms = corpus / "llms.txt"
    text = llms.read_text().replace("(pages/workers.md)", "(pages/workers)")
    text = text.replace(
        "## Optional",
        "## Extra\n\n- [Plain](pages/plain.html)\n- [Big](pages/big.md)\n- [Logo](pages/logo.png)\n- [Gone](pages/gone.md)\n\n## Optional",
    )
    llms.write_text(text)
    return corpus


def _limits() -> FetchLimits:
    return FetchLimits(max_bytes=20_000, timeout_s=10)


async def test_http_llms_txt_with_twins_html_and_limits(index, site):
    with DocsServer(site) as server:
        report = await Ingester(index, site, limits=_limits()).add(f"{server.url}/llms.txt")
        assert report.added == 15  # llms.txt + 13 seeds pages + plain.html
        assert report.failed == 3  # big (over the limit), logo (binary), gone (404)
        joined = "\n".join(report.warnings)
        assert f"{server.url}/pages/big.md is 40,007 bytes; the limit is 20,000 bytes a document" in joined
        assert "image/png, not a text document" in joined
        assert "HTTP 404" in joined
        # The extensionless link was read from its .md twin.
        assert server.statuses("/pages/workers.md") == [200]
        assert server.statuses("/pages/workers") == []
        workers = index.search("graceful shutdown SIGTERM", k=1)[0]
        assert workers.url == f"{server.url}/pages/workers.md"
        # No twin for the HTML page: it was converted, navigation dropped.
        plain = index.search("zeppelins", k=1)[0]
        assert plain.url == f"{server.url}/pages/plain.html"
        assert plain.heading == "Plain page" and "menu" not in plain.text and "```\nfly()\n```" in plain.text


async def test_http_reingest_uses_etags_and_refetches_only_what_changed(index, site):
    with DocsServer(site) as server:
        await Ingester(index, site, limits=_limits()).add(f"{server.url}/llms.txt")
        page = site / "pages" / "queues.md"
        page.write_text(page.read_text() + "\n## Sharding\n\nQueues can be sharded by tenant.\n")
        server.requests.clear()
        report = await Ingester(index, site, limits=_limits()).add(f"{server.url}/llms.txt")
        assert (report.changed, report.unchanged) == (1, 14)
        assert server.statuses("/pages/queues.md") == [200]
        assert server.statuses("/pages/jobs.md") == [304]
        assert server.statuses("/pages/workers.md") == [304]  # the cached twin, asked directly
        assert index.search("sharded by tenant", k=1)[0].url.endswith("/pages/queues.md")


async def test_http_reingest_with_last_modified_only(index, site):
    with DocsServer(site, use_etag=False) as server:
        await Ingester(index, site, limits=_limits()).add(server.url + "/")  # a site root finds /llms.txt
        page = site / "pages" / "jobs.md"
        page.write_text(page.read_text().replace("Idempotency keys", "Dedup keys"))
        stamp = page.stat().st_mtime + 10  # Last-Modified has one-second resolution
        os.utime(page, (stamp, stamp))
        server.requests.clear()
        report = await Ingester(index, site, limits=_limits()).add(server.url + "/llms.txt")
        assert report.changed == 1
        assert server.statuses("/pages/jobs.md") == [200]
        assert server.statuses("/pages/retries.md") == [304]
        assert index.search("dedup keys", k=1)[0].heading == "Jobs > Dedup keys"


async def test_http_page_that_disappears_keeps_its_previous_version(index, site):
    with DocsServer(site) as server:
        await Ingester(index, site, limits=_limits()).add(f"{server.url}/llms.txt")
        (site / "pages" / "scheduling.md").unlink()
        report = await Ingester(index, site, limits=_limits()).add(f"{server.url}/llms.txt")
        assert any("scheduling.md" in w and "kept the previous version" in w for w in report.warnings)
        assert index.search("cron expression periodic", k=1)[0].url.endswith("/pages/scheduling.md")


async def test_http_max_docs_limit(index, site):
    with DocsServer(site) as server:
        report = await Ingester(index, site, limits=FetchLimits(max_docs=3)).add(f"{server.url}/llms.txt")
        assert report.added == 3
        assert any("beyond the limit of 3 documents" in w for w in report.warnings)


async def test_http_missing_llms_txt_is_an_error(index, tmp_path):
    with DocsServer(tmp_path) as server:
        with pytest.raises(InputError, match="HTTP 404"):
            await Ingester(index, tmp_path).add(f"{server.url}/llms.txt")
    assert index.list_sources() == []


async def test_http_size_limit_holds_without_content_length(index, site):
    with DocsServer(site, send_length=False) as server:
        report = await Ingester(index, site, limits=_limits()).add(f"{server.url}/llms.txt")
        assert any(f"{server.url}/pages/big.md is larger than the limit of 20,000 bytes" in w for w in report.warnings)
        assert report.added == 15


async def test_http_llms_txt_answered_with_html_is_an_error(index, tmp_path):
    # Sites that serve their app for any path answer /llms.txt with an HTML page.
    (tmp_path / "llms.txt").write_text("<html><body><h1>Welcome</h1><p>app shell</p></body></html>")
    with DocsServer(tmp_path, content_types={"/llms.txt": "text/html"}) as server:
        with pytest.raises(InputError, match="answered with HTML, not markdown"):
            await Ingester(index, tmp_path).add(f"{server.url}/")
    assert index.list_sources() == []


def test_private_hosts():
    for host in (
        "127.0.0.1",
        "localhost",
        "docs.localhost",
        "10.1.2.3",
        "192.168.0.9",
        "169.254.169.254",
        "[::1]",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "fd00::1",
    ):
        assert is_private_host(host), host
    for host in ("93.184.216.34", "example.com", "2606:4700::1111"):
        assert not is_private_host(host), host


async def test_a_public_source_may_not_reach_private_addresses(tmp_path):
    (tmp_path / "page.md").write_text("# Internal\n")
    assert await resolves_private("localhost")
    with DocsServer(tmp_path) as server:
        async with Fetcher(allow_private=False) as fetcher:
            with pytest.raises(InputError, match="private or local network address"):
                await fetcher.get(f"{server.url}/page.md")
        assert server.requests == []  # refused before connecting
        async with Fetcher(allow_private=True) as fetcher:
            assert (await fetcher.get(f"{server.url}/page.md")).text == "# Internal\n"
