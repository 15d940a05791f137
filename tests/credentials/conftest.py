"""The GC-on-the-main-thread fixture of the private tests applies to this directory too."""

from tests.features.private.env import collect_garbage_on_the_main_thread

__all__ = ["collect_garbage_on_the_main_thread"]
