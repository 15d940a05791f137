"""The Announcements dock: Upbit's notices live, with a category filter and an unread count."""
