"""upbit-monitor: a desktop market monitor for the Upbit exchange."""

__version__ = "0.1.0"
