# Planner's image: the wheel built from this checkout, gunicorn, and the `planner` command,
# run by a user without root. compose.yaml runs it as web, worker and migrate; README,
# "Self-hosting".

# --- The wheel: built in a stage of its own, so the image carries no source tree ---------------
FROM python:3.11-slim-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY planner ./planner
COPY rules ./rules
COPY workers ./workers
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- The image ----------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PLANNER_INSTANCE=/srv/planner/instance \
    PLANNER_OUTBOX=/srv/planner/outbox \
    MEDIA_FOLDER=/srv/planner/media
RUN groupadd --system --gid 10001 planner \
    && useradd --system --uid 10001 --gid planner --home-dir /srv/planner --shell /usr/sbin/nologin planner \
    && mkdir -p /srv/planner/instance /srv/planner/outbox /srv/planner/media \
    && chown -R planner:planner /srv/planner
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels
USER 10001:10001
WORKDIR /srv/planner
EXPOSE 8000
# The web app's own check; compose.yaml gives workers `planner health --this-host` instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-", "planner:create_app()"]
