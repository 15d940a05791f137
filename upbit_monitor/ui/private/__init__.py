"""Private panes: My orders / My assets docks, the Account menu and the API-keys dialog."""
