"""Settings → Tools: the MCP servers, their state and tools, adding and importing them."""
