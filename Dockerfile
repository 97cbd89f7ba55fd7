# syntax=docker/dockerfile:1
#
# One image for every Znatoki service; the command picks the service:
#
#   docker run IMAGE                              the bot (python -m app, the default command)
#   docker run IMAGE python -m poller             VK long poll -> RabbitMQ
#   docker run -p 8080:8080 IMAGE python -m admin_api    the admin REST API (/api/health)
#   docker run IMAGE python -m vk_emulator        the VK stand-in (local play only)
#   docker run IMAGE alembic upgrade head         migrations (alembic.ini is in the workdir)
#
# Configuration comes only from the environment (.env.example lists it); nothing secret is
# baked in. docker-compose.yml runs all of them; docs/operations.md, "Deployment", explains.

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: a virtualenv with the dependencies, then the project installed into it -------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"
WORKDIR /src

# Dependencies first, from setup.cfg alone: this layer is rebuilt when setup.cfg changes, not
# on every source edit. The dependencies ship wheels or are pure Python: no compiler needed.
COPY setup.cfg ./
RUN python -c "import configparser; c = configparser.ConfigParser(interpolation=None); \
c.read('setup.cfg'); print(c['options']['install_requires'])" > /tmp/requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --requirement /tmp/requirements.txt

# Then the project itself, as a regular (non-editable) install: its packages land in the
# venv's site-packages, so the source tree is not needed at run time.
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-deps . \
 && pip check \
 && python -c "import app.__main__, poller.service, admin_api.app, vk_emulator.server"

# --- runtime: the slim base, the venv and the migrations; no compiler, no source tree ----
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="znatoki" \
      org.opencontainers.image.description="«Что? Где? Когда?» quiz bot for VK: bot, poller, admin API, VK emulator, migrations" \
      org.opencontainers.image.licenses="MIT"

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ADMIN_HOST=0.0.0.0

RUN groupadd --system --gid 10001 znatoki \
 && useradd --system --no-log-init --uid 10001 --gid znatoki \
        --home-dir /app --no-create-home --shell /usr/sbin/nologin znatoki

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# Alembic's environment and migrations (with the starter questions' data) are not part of
# the Python package: `alembic upgrade head` runs here, next to alembic.ini.
COPY alembic.ini ./
COPY alembic ./alembic

# Everything above belongs to root and stays read-only for the service user.
USER 10001:10001

# The admin API (python -m admin_api); the other services listen on nothing.
EXPOSE 8080

# No HEALTHCHECK here: the services differ (only the admin API serves HTTP today), so each one
# gets its own in docker-compose.yml.
CMD ["python", "-m", "app"]
