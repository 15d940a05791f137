"""Kimchi premium in the window: coin-list columns, the premium chart and its setup."""
