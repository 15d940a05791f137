"""The private feed: when the private connection runs, with which keys, balances and status."""
