"""SQLAlchemy 2.x tables and the repository: the only place in the engine that knows SQL."""
