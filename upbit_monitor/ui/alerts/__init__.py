"""Alerts UI: the Alerts dock (rules, trigger log), the rule dialog, the badge, chart lines."""
