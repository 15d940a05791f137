"""Qt-free application logic, one subpackage per feature (never imports Qt; testable on plain asyncio)."""
