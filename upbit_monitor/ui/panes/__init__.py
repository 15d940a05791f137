"""Extra panes as docks: frame + link header, host, workspaces, and the window glue (issue 19)."""
