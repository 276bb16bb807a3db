# One image for every service, the worker and beat; the command picks the role.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 APP_ENV=production VAR_DIR=/var/lib/kk
WORKDIR /app
RUN useradd --system --home /app kk && mkdir -p /var/lib/kk && chown kk /var/lib/kk
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY migrations ./migrations
COPY alembic.ini ./
RUN pip install --no-cache-dir .
USER kk
EXPOSE 8000
CMD ["python", "-m", "uvicorn", "--factory", "services.kontrol.app:create_app", "--host", "0.0.0.0", "--port", "8000"]
