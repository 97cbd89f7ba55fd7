"""The bot service: consume updates, apply them in one transaction each, send via the outbox."""
