"""The HTTP face: thin routers that translate requests to domain calls and errors to status codes."""
