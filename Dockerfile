# The production image: gunicorn serves the app and its static files (WhiteNoise);
# the same image runs gunicorn's bulk pool, the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# WeasyPrint (the report's PDF) lays text out with Pango and HarfBuzz, and needs a font;
# pysaml2 (SAML single sign-on) checks XML signatures with the xmlsec1 program.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
       libharfbuzz-subset0 fonts-dejavu-core xmlsec1 \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=true python manage.py collectstatic --noinput
RUN useradd --system cxowner
USER cxowner
EXPOSE 8000
CMD ["gunicorn", "cxowner.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-"]
