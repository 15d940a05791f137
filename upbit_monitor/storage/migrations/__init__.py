"""Alembic migration scripts, shipped inside the package and run programmatically at start.

See :mod:`upbit_monitor.storage.migrate`. No ``alembic.ini`` is needed: the script location is
this directory and the connection is handed to ``env.py`` through ``Config.attributes``.
"""
