"""Local play in one process: the poller and the bot over an in-process queue (no RabbitMQ)."""
