# SalesRecord web and worker image. Configuration comes from the environment at run time
# (README, Configuration); nothing secret is baked in.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system salesrecord \
 && useradd --system --gid salesrecord --home-dir /app --no-create-home --shell /usr/sbin/nologin salesrecord

# Runtime dependencies only; the test and lint tools live in requirements-dev.txt.
COPY requirements.txt .
RUN pip install -r requirements.txt

# The code stays owned by root: the app user may read it, not change it.
COPY . .

# Settings refuse to start without SECRET_KEY when DEBUG is off. This throwaway key exists for this
# one step only and is not kept in the image. SALESRECORD_TESTING is never set here: the manifest
# storage must see every static file now, at build.
RUN SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --no-input \
 && mkdir -p var/media \
 && chown -R salesrecord:salesrecord var

USER salesrecord
EXPOSE 8000

# Workers: WEB_CONCURRENCY (read by gunicorn itself). Access log to stdout. gunicorn.conf.py: no Server name.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "salesrecord.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--worker-tmp-dir", "/dev/shm"]
