"""The ladder's arithmetic, Qt-free: price grouping with cumulative depth, size-change flashes and
trade strength (체결강도)."""
