"""Chart pane: candles, volume, axes, tags and the toolbar of one coin."""
