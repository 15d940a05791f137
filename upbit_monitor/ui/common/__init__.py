"""Qt pieces shared by several views: theme, the one price formatter, table model base, timers."""
