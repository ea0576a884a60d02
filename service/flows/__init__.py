"""Multi-step work that ties domain rules to the store: one module per capability."""
