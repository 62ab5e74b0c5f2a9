# syntax=docker/dockerfile:1
# sse-facilitator in a small image. The build stage installs the project with its PostgreSQL
# driver into a virtual environment, /opt/venv; the final stage is the same Python with only
# that folder copied in (no pip cache, no build tools, no sources), run by a non-root user.
#
#   docker build -t sse-facilitator .
#   docker run -d -e TELEGRAM_BOT_TOKEN=... -v sse-data:/data sse-facilitator
#
# By default the bot polls Telegram with an SQLite file in the /data volume. compose.yaml
# runs the same image as webhook workers (`serve`) on PostgreSQL.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY storage ./storage
COPY locales ./locales
# Compiled to bytecode at install time (the final stage cannot write there); pip itself is
# not needed to run the bot, so it leaves the environment.
RUN /opt/venv/bin/pip install --compile '.[postgres]' \
    && /opt/venv/bin/pip uninstall --yes pip

FROM python:3.11-slim
RUN groupadd --gid 10001 bot \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin bot \
    && mkdir /data \
    && chown bot:bot /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_URL=sqlite+aiosqlite:////data/sse-facilitator.db
USER 10001:10001
WORKDIR /data
VOLUME /data
# `serve` (webhook mode) listens here; `run` (polling) listens on no port.
EXPOSE 8080
ENTRYPOINT ["sse-facilitator"]
CMD ["run"]
