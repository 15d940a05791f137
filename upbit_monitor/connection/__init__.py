"""connection layer."""
