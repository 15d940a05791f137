"""Status panel: connection metrics, subscriptions, database and notices."""
