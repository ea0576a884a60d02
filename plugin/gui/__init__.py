"""The plugin's widgets: they bind to the core and hold no rules of their own."""
