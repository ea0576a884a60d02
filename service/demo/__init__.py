"""The demo street and its feed simulator: demonstration data, not part of the plugin zip."""
