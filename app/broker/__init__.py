"""RabbitMQ: the topology (topology.py) is declared in exactly one place."""
