"""Exchange notices (Upbit's ``announcement`` feed on the private endpoint), Qt-free.

:class:`~upbit_monitor.features.announcements.feed.AnnouncementFeed` subscribes through the manager,
keeps the newest notices deduplicated by uuid (an UPDATED event replaces the notice), counts unread
ones, flags new listings and stores everything through
:class:`~upbit_monitor.features.announcements.store.AnnouncementStore`.
"""
