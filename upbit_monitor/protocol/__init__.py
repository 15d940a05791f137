"""Sans-I/O Upbit protocol: typed events, parsing, request building, subscription merging, policy.

Nothing in this package performs I/O or imports asyncio, websockets, Qt or SQLAlchemy; every
function can be used from a REPL with bytes.
"""
