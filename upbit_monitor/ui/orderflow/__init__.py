"""Order-flow panes: orderbook heatmap with volume profile, depth chart, footprint candles."""
