"""The plugin's core: HTTP/SSE client, layers and event application. No widgets here."""
