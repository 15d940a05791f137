"""Markets list: the table of every market of a quote currency, its model, proxy and delegate."""
