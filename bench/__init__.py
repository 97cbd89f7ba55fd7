"""Znatoki's benchmark suite: ``python -m bench.driver`` (``make bench``).

Every scenario runs the real services as separate processes (the VK emulator, the poller, the
bot, a bare "floor" pipeline, an outbox sender) against the real Postgres and RabbitMQ, on a
fresh database and a private AMQP prefix, and drives them over HTTP through the emulator. The
figures are written to ``bench/results/`` as JSON and Markdown; nothing here asserts on them.
"""
