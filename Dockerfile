# sse-facilitator: the bot, with an SQLite file in /data by default (set DATABASE_URL for PostgreSQL).
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 bot \
    && mkdir /data && chown bot /data
WORKDIR /src
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY storage ./storage
COPY locales ./locales
RUN pip install --no-cache-dir '.[postgres]' && rm -rf /src

USER bot
WORKDIR /data
ENV DATABASE_URL=sqlite+aiosqlite:////data/sse-facilitator.db
VOLUME /data
CMD ["sse-facilitator", "run"]
