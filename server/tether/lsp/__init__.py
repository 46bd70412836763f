"""The language server: thin pygls handlers that adapt LSP <-> tether.ops.

``server.create_server`` builds one; ``tether serve`` runs it over stdio or TCP. The protocol,
standard and ``tether/`` extension methods alike, is documented in docs/lsp.md.
"""
