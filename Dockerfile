# The confluence-kpi sync bot as a container. Configure it with CONFLUENCE_* environment
# variables (or Docker secrets: CONFLUENCE_API_TOKEN_FILE / CONFLUENCE_PAT_FILE, or files in
# /run/secrets) and mount your catalog at /app/config/catalog.yaml or point KPI_CONFIG at it.

# Build stage: the wheel, which carries the page templates and the example catalog.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY confluence_kpi ./confluence_kpi
COPY page_templates ./page_templates
COPY config ./config
RUN pip wheel --no-deps --wheel-dir /wheels .

# Run stage: the wheel installed like any Python tool; no source tree in the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY --from=build /wheels /wheels
# With the drivers of the SQL sources' databases: PostgreSQL, MySQL and MariaDB.
RUN pip install "$(echo /wheels/*.whl)[postgresql,mysql]" \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --home-dir /app --create-home --shell /usr/sbin/nologin kpi

# Never run as root: the bot only needs to read its catalog and talk to Confluence.
USER 10001
WORKDIR /app
ENV KPI_CONFIG=/app/config/catalog.yaml

ENTRYPOINT ["confluence-kpi"]
# Until the scheduled worker exists, one reconcile pass per container start (cron-style).
CMD ["sync"]
