# Front-end packages (Bootstrap, htmx) come from npm at build time.
FROM node:22-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY --from=assets /app/node_modules ./node_modules
COPY . .
# collectstatic needs settings to import; this key exists only during the build.
RUN DJANGO_SECRET_KEY=build-only-key-build-only-key-build-only-key-build-only \
    DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput
# Uploads go to a volume mounted here; a new volume takes this folder's owner.
RUN mkdir -p /app/media && chown app:app /app/media
USER app
EXPOSE 8000
# The access log goes through config.logfilters.GunicornLogger, which redacts the
# bearer secrets (manage links, feed tokens) in request lines and Referers.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--logger-class", "config.logfilters.GunicornLogger"]
