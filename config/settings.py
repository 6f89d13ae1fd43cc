"""Settings, read from the environment.

DATABASE_URL (SQLite file db.sqlite3 by default, postgresql://… in production),
SECRET_KEY, DEBUG, ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # Production must set its own key; the demo runs with DEBUG=1, the tests set one.
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY doit être défini dans l'environnement (ou DEBUG=1 pour la démonstration)."
        )
    SECRET_KEY = "cle-de-developpement-non-secrete"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "dsfr",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "noyau",
    "contrat",
    "engagements",
    "importation",
    "fiches",
    "gouvernance",
    "accueil",
    "rapport",
    "tenues",
    "consolidation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files served by the application itself, compressed and cached (make serve).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the user is known (the 400 page shows the header as any page), before any view reads a parameter.
    "noyau.middleware.RefusDesCaracteresNuls",
    # Every page requires login; public pages opt out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, the account read with whether it holds a role across contracts.
    "contrat.authentification.Comptes",
    # The invited sign in with their e-mail address.
    "contrat.authentification.ParCourriel",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost (100 000): the aggregates of
    # a national instance pass it, and compiling cost more than it saved (0.4 to 3.5 s a query, docs/mesures.md).
    # Off unless POSTGRES_JIT=on.
    jit = "on" if os.environ.get("POSTGRES_JIT") == "on" else "off"
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c jit={jit}"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accueil"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # With DEBUG off, static files are collected, hashed and compressed (collectstatic);
    # the demo and the tests read them from the apps as they are.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("STATIC_SANS_MANIFESTE")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("STATIC_SANS_MANIFESTE")
# Uploaded minutes: never served as public files, only through a view that checks who asks.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

DJANGO_TABLES2_TEMPLATE = "django_tables2/dsfr.html"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Production is served over HTTPS only (behind a proxy that says so); the demo on
# http://127.0.0.1 runs with DEBUG on, and SECURE_HTTPS=0 allows a plain-HTTP trial.
HTTPS = env_bool("SECURE_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check answers in plain HTTP to the load balancer on the same host.
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
SESSION_COOKIE_AGE = 8 * 3600  # a working day

# Content Security Policy: only this site's own scripts, styles, images and fonts;
# no inline script or style (the templates have none), nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Login throttling: 5 failed attempts on one account from one address lock it for 15 minutes, whatever
# the spelling of its identifier (its username or its address, in any case: compte_vise). Not per
# account alone: anyone could then lock a partner's agent out; not per address alone: one office
# shares one address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/verrouille.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "contrat.securite.adresse_du_client"
AXES_USERNAME_CALLABLE = "contrat.securite.compte_vise"
# Links sent to one address in one hour, by purpose (new invitation link, password reset): a page open
# to anyone cannot be made to flood a mailbox (noyau/quotas.py).
ENVOIS_PAR_ADRESSE_ET_HEURE = int(os.environ.get("ENVOIS_PAR_ADRESSE_ET_HEURE", "3"))
# And from one client (its network address) in one hour, whatever the addresses asked for: one client cannot
# fill the table of counts and the queue of mails by asking for many addresses. An office behind one address
# asks for a few resets an hour, not dozens.
ENVOIS_PAR_CLIENT_ET_HEURE = int(os.environ.get("ENVOIS_PAR_CLIENT_ET_HEURE", "20"))

# Mail (password reset, the collection's notices and reminders). EMAIL_BACKEND chooses how:
# SMTP when EMAIL_HOST is set, else the console; `make run` writes them as files under courriels/
# (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend, EMAIL_FILE_PATH=courriels).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "courriels"))
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
# A mail server that does not answer must not hold a worker (or a request without worker) for long.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# Who runs this instance, and whom to write to (footer pages: legal notice, personal data, accessibility).
EDITEUR = os.environ.get("EDITEUR", "l'organisme qui exploite cette instance de l'application")
ADRESSE_DE_CONTACT = os.environ.get("ADRESSE_DE_CONTACT", "contact@contrats-de-ville.localhost")
# The address of the application in the links of its mails.
ADRESSE_DU_SITE = os.environ.get("ADRESSE_DU_SITE", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ne-pas-repondre@contrats-de-ville.localhost")

# Background tasks (django-tasks): the large exports. With a worker (`manage.py db_worker`,
# make serve) they wait in the database; without one (the demo, the tests) they run at once.
TACHES_EN_ARRIERE_PLAN = env_bool("TACHES_EN_ARRIERE_PLAN")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TACHES_EN_ARRIERE_PLAN
        else "django_tasks.backends.immediate.ImmediateBackend",
    }
}
# An annexe of this many lines or more is exported in the background and its file kept.
EXPORT_SEUIL_LIGNES = int(os.environ.get("EXPORT_SEUIL_LIGNES", 500))

# Import of annexes financières from workbooks (engagements/lecture_classeur.py).
IMPORT_TAILLE_MAX = int(os.environ.get("IMPORT_TAILLE_MAX", 5 * 1024 * 1024))
IMPORT_LIGNES_MAX = int(os.environ.get("IMPORT_LIGNES_MAX", 10_000))
