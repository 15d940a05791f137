"""Venue selection (Qt-free): the views source that follows the selected Korean venue."""
