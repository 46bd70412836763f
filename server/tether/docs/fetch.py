"""Fetching documentation pages over http(s), with limits and conditional requests.

Only ``http`` and ``https`` URLs are fetched; every request has a timeout, a size limit
(checked on the header and again while streaming) and at most five redirects; a source on
the public internet may not lead tether to private or loopback addresses. A page's
``.md`` twin (``page.md``, ``page.html.md``, ``dir/index.html.md``, the llms.txt convention)
is tried first; an HTML answer there (sites that serve their app for any path) does not count.
Cached documents are re-fetched with ``If-None-Match`` / ``If-Modified-Since``; a 304 means
the stored chunks are kept untouched.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, Field

from .. import __version__
from ..errors import InputError
from .html import html_to_markdown

log = logging.getLogger(__name__)

USER_AGENT = f"tether-docs/{__version__}"
ACCEPT = "text/markdown, text/x-markdown;q=0.95, text/plain;q=0.9, text/html;q=0.5, */*;q=0.1"
_TEXT_TYPES = ("text/", "application/markdown", "application/x-markdown", "application/json", "application/octet-stream")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_SUFFIXES = (".md", ".markdown", ".mdx", ".txt")


class DocsFetchError(InputError):
    """A page that could not be fetched or is not a text document."""


class FetchLimits(BaseModel):
    timeout_s: float = Field(15.0, gt=0, description="Per request: connect, read, write and pool.")
    max_bytes: int = Field(2_000_000, ge=1024, description="Largest document accepted, in bytes.")
    max_docs: int = Field(500, ge=1, description="Most documents one source may hold.")
    concurrency: int = Field(4, ge=1, le=32, description="Requests in flight at once.")


class Fetched(BaseModel):
    url: str = Field(description="The URL the text came from (after redirects; the .md twin when used).")
    text: str | None = Field(None, description="None when the server said 304 Not Modified.")
    etag: str | None = None
    last_modified: str | None = None
    bytes: int = 0
    from_html: bool = Field(False, description="The server answered HTML, converted to markdown here.")


class Cached(BaseModel):
    """What the index remembers about a fetched page."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def twin_url(url: str) -> str | None:
    """The page's markdown twin by the llms.txt convention, or None when it already is text."""
    parts = urlsplit(url)
    path = parts.path
    if path.lower().endswith(_TEXT_SUFFIXES):
        return None
    twin_path = path + "index.html.md" if (not path or path.endswith("/")) else path + ".md"
    return parts._replace(path=twin_path or "/index.html.md", fragment="").geturl()


def is_private_host(host: str) -> bool:
    """Loopback, private, link-local or reserved: an IP literal, or a ``localhost`` name."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved


async def resolves_private(host: str) -> bool:
    """Whether ``host`` is, or resolves to, a private address (unresolvable names: False)."""
    if is_private_host(host):
        return True
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except OSError:
        return False  # the request itself will fail and say so
    return any(is_private_host(str(info[4][0])) for info in infos)


class Fetcher:
    """An httpx client with tether's limits. ``async with Fetcher() as f: await f.page(url)``.

    With ``allow_private=False`` (a source on the public internet), requests to loopback,
    private and link-local addresses are refused, redirects included: a public llms.txt
    cannot make tether read from the local network (cloud metadata, internal services).
    """

    def __init__(self, limits: FetchLimits | None = None, client: httpx.AsyncClient | None = None, allow_private: bool = True):
        self.limits = limits or FetchLimits()
        self.allow_private = allow_private
        self._own = client is None
        self.client = client or httpx.AsyncClient(
            timeout=self.limits.timeout_s,
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
            event_hooks={"request": [self._guard]},  # runs for every hop of a redirect too
        )

    async def _guard(self, request: httpx.Request) -> None:
        if not self.allow_private and await resolves_private(request.url.host):
            raise DocsFetchError(f"{request.url} is on a private or local network address; a public docs source may not link there.")

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._own:
            await self.client.aclose()

    async def page(self, url: str, cached: Cached | None = None) -> Fetched:
        """A documentation page as text: the cached location (conditionally), the twin, or the URL."""
        if cached is not None:
            try:
                return await self.get(cached.url, cached)
            except DocsFetchError as exc:
                if cached.url == url:
                    raise
                log.info("cached location %s failed (%s); fetching %s afresh", cached.url, exc, url)
        twin = twin_url(url)
        if twin is not None:
            try:
                return await self.get(twin, allow_html=False)
            except DocsFetchError as exc:
                log.debug("no markdown twin at %s: %s", twin, exc)
        return await self.get(url)

    async def get(self, url: str, cached: Cached | None = None, allow_html: bool = True) -> Fetched:
        """One GET with the limits; html is converted to markdown when allowed."""
        if not is_http_url(url):
            raise DocsFetchError(f"{url} is not an http(s) URL; tether only fetches http and https links.")
        if not self._own:
            await self._guard(httpx.Request("GET", url))  # an injected client has no hook
        headers = {}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        try:
            async with self.client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304 and cached is not None:
                    return Fetched(url=cached.url, etag=cached.etag, last_modified=cached.last_modified)
                if response.status_code != 200:
                    raise DocsFetchError(f"{url} answered HTTP {response.status_code}; the page was not fetched.")
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if kind and not kind.startswith(_TEXT_TYPES) and kind not in _HTML_TYPES:
                    raise DocsFetchError(f"{url} is {kind}, not a text document; it was skipped.")
                data = await self._read(response, url)
                text = _decode(data, response.encoding, url)
                final = str(response.url)
                etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        except httpx.HTTPError as exc:
            raise DocsFetchError(f"Could not fetch {url}: {exc or type(exc).__name__}. Check the URL and the network.") from exc
        text = _as_markdown(text, kind, url, allow_html)
        return Fetched(url=final, text=text, etag=etag, last_modified=modified, bytes=len(data), from_html=kind in _HTML_TYPES)

    async def _read(self, response: httpx.Response, url: str) -> bytes:
        limit = self.limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise DocsFetchError(f"{url} is {int(declared):,} bytes; the limit is {limit:,} bytes a document.")
        data = bytearray()
        async for part in response.aiter_bytes():
            data += part
            if len(data) > limit:
                raise DocsFetchError(f"{url} is larger than the limit of {limit:,} bytes a document; it was skipped.")
        return bytes(data)


def _decode(data: bytes, encoding: str | None, url: str) -> str:
    if b"\x00" in data[:8192]:
        raise DocsFetchError(f"{url} is a binary file, not a text document; it was skipped.")
    try:
        return data.decode(encoding or "utf-8")
    except (UnicodeDecodeError, LookupError):
        return data.decode("utf-8", errors="replace")


def _as_markdown(text: str, kind: str, url: str, allow_html: bool) -> str:
    if kind in _HTML_TYPES:
        if not allow_html:
            raise DocsFetchError(f"{url} answered with HTML, not markdown.")
        return html_to_markdown(text)
    return text
