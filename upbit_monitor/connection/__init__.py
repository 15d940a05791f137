"""connection layer: the only users of websockets here (``Connection``; REST lives in rest.py)."""
