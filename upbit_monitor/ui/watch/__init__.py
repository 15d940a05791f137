"""The watch grid pane: compact tiles of the favourite coins."""
