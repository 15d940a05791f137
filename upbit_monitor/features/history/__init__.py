"""Chart history: the local database first, REST only for what it lacks."""
