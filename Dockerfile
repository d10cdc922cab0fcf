# The confluence-kpi worker as a container. Configure it with CONFLUENCE_* environment
# variables (or Docker secrets: CONFLUENCE_API_TOKEN_FILE / CONFLUENCE_PAT_FILE, or files in
# /run/secrets; never baked in here) and mount your catalog, with its data files, at
# /app/config (the catalog is /app/config/catalog.yaml, or point KPI_CONFIG at it).

# Build stage: the dependencies first, read from pyproject.toml alone, so that their layer is
# rebuilt only when pyproject.toml changes; then the wheel, installed without them.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml ./
# The project's dependencies with the SQL sources' drivers (PostgreSQL, MySQL and MariaDB).
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; extra = p['optional-dependencies']; print('\n'.join(p['dependencies'] + extra['postgresql'] + extra['mysql']))" > requirements.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install -r requirements.txt
COPY README.md ./
COPY confluence_kpi ./confluence_kpi
COPY page_templates ./page_templates
COPY config ./config
RUN pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-deps /wheels/*.whl

# Run stage: the virtual environment alone; no source tree, no compiler, no pip cache.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    KPI_CONFIG=/app/config/catalog.yaml \
    KPI_HEARTBEAT_FILE=/tmp/confluence-kpi-heartbeat.json
COPY --from=build /opt/venv /opt/venv
RUN useradd --system --uid 10001 --home-dir /app --create-home --shell /usr/sbin/nologin kpi

# Never run as root: the bot only needs to read its catalog and talk to Confluence.
USER 10001
WORKDIR /app

# The worker writes its heartbeat after each run; a first run may take a while.
HEALTHCHECK --interval=60s --timeout=10s --start-period=10m --retries=3 \
    CMD ["confluence-kpi", "health"]
ENTRYPOINT ["confluence-kpi"]
# The worker, syncing on the catalog's schedule; `sync` instead for one pass (a CronJob).
CMD ["run"]
