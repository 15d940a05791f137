"""Kimchi premium and the domestic spread: foreign quotes + Upbit's USDT rate -> premium per coin,
and the Upbit-Bithumb price gap (Qt-free)."""
