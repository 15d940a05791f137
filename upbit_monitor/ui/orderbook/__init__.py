"""Orderbook pane: the ladder (model, delegate), the trade tape and their view."""
