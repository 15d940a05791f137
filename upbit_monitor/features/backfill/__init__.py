"""Backfill after an outage: missed trades from REST, candles touched by the gap marked for refetch."""

from upbit_monitor.features.backfill.outage import OutageBackfill, OutageReport, for_storage

__all__ = ["OutageBackfill", "OutageReport", "for_storage"]
