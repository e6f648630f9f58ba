# One image for web, worker and beat: `docker build -t holistic-touch .`
# The Python packages come first: the CSS build reads the templates of the form
# package (crispy's Bootstrap 5 pack) to know which Bootstrap rules forms use.
FROM python:3.12-slim AS site
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 app
# The dependency layer depends on the lock file alone, so it stays cached until
# the dependencies change. Every package is checked against its locked hash.
COPY requirements.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements.txt

# Front-end packages (Bootstrap, htmx, PurgeCSS, esbuild) from npm, Bootstrap's CSS
# cut to the rules the templates use (scripts/build-css.mjs) and its JavaScript to
# the components they use (scripts/build-js.mjs), as `make deps` does.
FROM node:22-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY --from=site /usr/local/lib/python3.12/site-packages/crispy_forms /site-packages/crispy_forms
COPY --from=site /usr/local/lib/python3.12/site-packages/crispy_bootstrap5 /site-packages/crispy_bootstrap5
COPY . .
RUN PYTHON_SITE_PACKAGES=/site-packages node scripts/build-css.mjs \
    && node scripts/build-js.mjs

FROM site
COPY --from=assets /app/node_modules ./node_modules
COPY --from=assets /app/build ./build
COPY . .
# Byte-compile the site's code now: the app user cannot write __pycache__ later.
# collectstatic needs settings to import; this key exists only during the build.
RUN python -m compileall -q -j 0 -x '/(node_modules|tests|bench)/' /app \
    && DJANGO_SECRET_KEY=build-only-key-build-only-key-build-only-key-build-only \
       DJANGO_ALLOWED_HOSTS=build python manage.py collectstatic --noinput
# Uploads go to a volume mounted here (when not on S3); a new volume takes this
# folder's owner.
RUN mkdir -p /app/media /app/private-media && chown app:app /app/media /app/private-media
USER app
EXPOSE 8000
# gunicorn.conf.py: workers from WEB_CONCURRENCY, max_requests with jitter, and
# the access log on stdout through config.logfilters.GunicornLogger (redacted).
CMD ["gunicorn", "config.wsgi:application", "--config", "gunicorn.conf.py"]
