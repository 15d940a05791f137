"""Built-in Upbit exchange simulator (WebSocket + REST + faults) for demo mode and tests.

Entry points: :class:`upbit_monitor.sim.server.Simulator` (everything composed, ``async with``),
:class:`upbit_monitor.sim.config.SimConfig` (every knob, including the UNCONFIRMED behaviours),
:class:`upbit_monitor.sim.market.MarketModel` (the seeded market shared with the Binance/Bybit
simulators) and ``python -m upbit_monitor.sim``. Modules:

- ``catalog``/``ticks``/``book``/``candles``/``market``/``builders``: the market model and its messages
- ``requests``/``session``/``feed``/``ws_server``/``jwt_check``: the WebSocket endpoints
- ``rest``: quotation REST; ``account``: the private account; ``faults``: fault injection
"""
