"""The `gridcommand` Processing provider: boundary tools for the toolbox, the model designer and processing.run."""
