#!/usr/bin/env bash
# Make sure Postgres and RabbitMQ answer on loopback before tests or a local run.
# Starts the local servers when they are installed but stopped; otherwise says how to start them.
set -u

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
AMQP_HOST=${AMQP_HOST:-127.0.0.1}
AMQP_PORT=${AMQP_PORT:-5672}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() {  # host port seconds
  for _ in $(seq 1 "$3"); do
    port_open "$1" "$2" && return 0
    sleep 1
  done
  return 1
}

if ! port_open "$PG_HOST" "$PG_PORT"; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "Postgres is down: starting the local cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  if ! wait_port "$PG_HOST" "$PG_PORT" 30; then
    echo "Postgres is not reachable at $PG_HOST:$PG_PORT." >&2
    echo "Start it (e.g. 'pg_ctlcluster --skip-systemctl-redirect <version> main start' or" >&2
    echo "'docker compose up -d postgres') or point TEST_POSTGRES_DSN at a server." >&2
    exit 1
  fi
fi

if ! port_open "$AMQP_HOST" "$AMQP_PORT"; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "RabbitMQ is down: starting it"
    rabbitmq-server -detached || true
  fi
  if ! wait_port "$AMQP_HOST" "$AMQP_PORT" 60; then
    echo "RabbitMQ is not reachable at $AMQP_HOST:$AMQP_PORT." >&2
    echo "Start it ('rabbitmq-server -detached' or 'docker compose up -d rabbitmq')" >&2
    echo "or point TEST_AMQP_URL at a broker." >&2
    exit 1
  fi
fi
echo "Postgres $PG_HOST:$PG_PORT and RabbitMQ $AMQP_HOST:$AMQP_PORT are up"
