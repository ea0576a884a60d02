"""GridCommand service: the command center's record, intake, dispatch and live event stream."""

__version__ = "0.1.0"
