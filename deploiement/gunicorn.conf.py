"""gunicorn for make serve: several processes, each with a few threads, behind a TLS proxy."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# A small annexe's PDF is made in the request; a large one is a background task.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Longer than a browser's pause between two clicks: with gunicorn's 2 s, a connection closed
# just as the next request left was reset (seen in make charge).
keepalive = 30
max_requests = 2000  # a process is renewed now and then: memory does not creep
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
wsgi_app = "config.wsgi:application"
