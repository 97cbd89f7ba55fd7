"""Postgres access: engine and session factory (engine.py), schema (models.py), repositories."""
