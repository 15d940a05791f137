"""Premium features (Qt-free): the domestic (Upbit-Bithumb) spread; the kimchi premium tracker joins here."""
