# The confluence-kpi sync bot as a container. Configure it with CONFLUENCE_* environment
# variables (or Docker secrets: CONFLUENCE_API_TOKEN_FILE / CONFLUENCE_PAT_FILE, or files in
# /run/secrets) and mount your catalog at /app/config/catalog.yaml or point KPI_CONFIG at it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY confluence_kpi ./confluence_kpi
COPY page_templates ./page_templates
COPY config ./config
# Editable: the package reads its page templates and the example catalog from /app, beside it.
RUN pip install -e . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin kpi \
    && chown -R kpi /app

# Never run as root: the bot only needs to read its catalog and talk to Confluence.
USER 10001
ENV KPI_CONFIG=/app/config/catalog.yaml

ENTRYPOINT ["confluence-kpi"]
# Until the scheduled worker exists, one reconcile pass per container start (cron-style).
CMD ["sync"]
