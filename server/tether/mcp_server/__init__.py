"""`tether mcp`: an MCP server (official `mcp` SDK) exposing the ops, the docs index and proposals to other agents."""
