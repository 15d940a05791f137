"""exchanges layer."""
