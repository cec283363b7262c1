"""Zayavka settings, read from environment variables (see `.env.example`)."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext_lazy as _

from zayavka.env import ConfigError, env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("ZAYAVKA_DATA_DIR", str(BASE_DIR / "var"))


def _secret_key() -> str:
    configured = env_str("ZAYAVKA_SECRET_KEY")
    if configured:
        return configured
    # The embedded default keeps a generated key beside its database, so that
    # sessions and signed links survive restarts without any configuration.
    path = DATA_DIR / "secret.key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def _pool_options() -> dict[str, object]:
    max_size = env_int("ZAYAVKA_DB_POOL_MAX_SIZE", 10)
    if max_size <= 0:
        return {}
    min_size = min(env_int("ZAYAVKA_DB_POOL_MIN_SIZE", 1), max_size)
    timeout = float(env_str("ZAYAVKA_DB_POOL_TIMEOUT", "20"))
    return {"pool": {"min_size": min_size, "max_size": max_size, "timeout": timeout}}


def _database(url: str) -> dict[str, object]:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "zayavka.sqlite3",
            "OPTIONS": {
                # WAL lets the web server and the worker read while one writes;
                # IMMEDIATE transactions take the write lock up front, so two
                # writers queue on busy_timeout instead of failing mid-way.
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    f"PRAGMA synchronous={env_str('ZAYAVKA_SQLITE_SYNCHRONOUS', 'FULL')};"
                    "PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
        }
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ConfigError(f"ZAYAVKA_DATABASE_URL: unsupported scheme {parts.scheme!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "zayavka",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        # Every process keeps its own pool of at most ZAYAVKA_DB_POOL_MAX_SIZE connections
        # (psycopg_pool). Under ASGI each request runs in a thread of its own, so
        # persistent per-thread connections (CONN_MAX_AGE) piled up until PostgreSQL
        # refused new ones; with the pool a request waits up to ZAYAVKA_DB_POOL_TIMEOUT
        # seconds for a free connection instead. ZAYAVKA_DB_POOL_MAX_SIZE=0: no pool, a
        # connection per request (behind PgBouncer).
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": _pool_options(),
        # Django reads .iterator() (every select list of a form) through a named cursor:
        # three round trips instead of one, and unusable behind PgBouncer.
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }


SECRET_KEY = _secret_key()
DEBUG = env_bool("ZAYAVKA_DEBUG", False)
PORT = env_int("ZAYAVKA_PORT", 8000)
HOST = env_str("ZAYAVKA_HOST", "127.0.0.1")
SITE_URL = env_str("ZAYAVKA_SITE_URL", f"http://{HOST}:{PORT}").rstrip("/")
ALLOWED_HOSTS = env_list(
    "ZAYAVKA_ALLOWED_HOSTS", ["127.0.0.1", "localhost", urlsplit(SITE_URL).hostname or "127.0.0.1"]
)
CSRF_TRUSTED_ORIGINS = env_list("ZAYAVKA_CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    # Django's admin with the desk's site (its sign-in is the desk's, see core/adminapp.py).
    "zayavka.core.adminapp.DeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "zayavka.core",
    "zayavka.accounts",
    "zayavka.sla",
    "zayavka.tickets",
    "zayavka.channels.email",
    "zayavka.channels.web",
    "zayavka.channels.phone",
    "zayavka.channels.telegram",
    "zayavka.kb",
    "zayavka.portal",
    "zayavka.workspace",
    "zayavka.audit",
    "zayavka.webhooks",
    "zayavka.api",
    # django-ninja's templates and static files: the API docs page served from here.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "zayavka.core.bodylimit.LimitRequestBodyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor authentication: which device verified the session, then the desk's rule
    # (an agent who must use it and has none is sent to set it up).
    "django_otp.middleware.OTPMiddleware",
    "zayavka.workspace.twofactor.TwoFactorMiddleware",
    # Names the signed-in user in the audit log of the changes the request makes.
    "zayavka.audit.context.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zayavka.urls"
ASGI_APPLICATION = "zayavka.asgi.application"
WSGI_APPLICATION = "zayavka.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "zayavka" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": _database(env_str("ZAYAVKA_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_str("ZAYAVKA_LANGUAGE", "ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "zayavka" / "locale"]
TIME_ZONE = env_str("ZAYAVKA_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "zayavka" / "static"]
MEDIA_ROOT = DATA_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "zayavka.core.storage.DurableFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("ZAYAVKA_MAX_UPLOAD_BYTES", 26_214_400)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Outgoing mail: with no SMTP host configured, the embedded desk writes every
# message as a file under the data directory, so nothing is lost and it can be read.
_SMTP_HOST = env_str("ZAYAVKA_SMTP_HOST")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _SMTP_HOST,
                "port": env_int("ZAYAVKA_SMTP_PORT", 25),
                "username": env_str("ZAYAVKA_SMTP_USER"),
                "password": env_str("ZAYAVKA_SMTP_PASSWORD"),
                "use_tls": env_bool("ZAYAVKA_SMTP_STARTTLS", False),
                "use_ssl": env_bool("ZAYAVKA_SMTP_SSL", False),
                "timeout": 30,
            },
        }
        if _SMTP_HOST
        else {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "sent-mail")},
        }
    )
}
DEFAULT_FROM_EMAIL = env_str("ZAYAVKA_SUPPORT_EMAIL", "support@zayavka.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Incoming mail: the authserv-id our own MTA writes in Authentication-Results (empty:
# no DKIM/DMARC result is trusted), and the LMTP listener's HOST:PORT for `mail listen`.
ZAYAVKA_EMAIL_AUTHSERV_ID = env_str("ZAYAVKA_EMAIL_AUTHSERV_ID")
ZAYAVKA_LMTP_ADDRESS = env_str("ZAYAVKA_LMTP_ADDRESS", "127.0.0.1:8024")
# The largest message `mail deliver` (and, by default, `mail listen`) accepts; a larger
# one is refused before it is read whole: exit 65 (EX_DATAERR) / SMTP 552, so the
# sending MTA bounces it instead of retrying.
ZAYAVKA_MAIL_MAX_BYTES = env_int("ZAYAVKA_MAIL_MAX_BYTES", 50 * 1024 * 1024)
# IMAP polling (mailboxes are configured in the admin): seconds before a silent server
# is given up on, and the largest message fetched (larger ones stay on the server).
ZAYAVKA_IMAP_TIMEOUT = env_int("ZAYAVKA_IMAP_TIMEOUT", 60)
ZAYAVKA_IMAP_MAX_BYTES = env_int("ZAYAVKA_IMAP_MAX_BYTES", 50 * 1024 * 1024)

# The Telegram bot (channels/telegram): its token (empty: no bot), the Bot API's base URL
# (another one for tests and air-gapped sites), the webhook's secret (set: Telegram
# posts updates to /telegram/webhook; empty: `zayavka serve` long-polls getUpdates),
# the bot's @username for the portal's deep link, the long poll's timeout in seconds,
# and the largest update taken (larger ones are quarantined).
ZAYAVKA_TELEGRAM_TOKEN = env_str("ZAYAVKA_TELEGRAM_TOKEN")
ZAYAVKA_TELEGRAM_API_URL = env_str("ZAYAVKA_TELEGRAM_API_URL", "https://api.telegram.org")
ZAYAVKA_TELEGRAM_WEBHOOK_SECRET = env_str("ZAYAVKA_TELEGRAM_WEBHOOK_SECRET")
ZAYAVKA_TELEGRAM_BOT_USERNAME = env_str("ZAYAVKA_TELEGRAM_BOT_USERNAME")
ZAYAVKA_TELEGRAM_POLL_TIMEOUT = env_int("ZAYAVKA_TELEGRAM_POLL_TIMEOUT", 25)
ZAYAVKA_TELEGRAM_MAX_UPDATE_BYTES = env_int("ZAYAVKA_TELEGRAM_MAX_UPDATE_BYTES", 1_048_576)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = SITE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy on every response: our own scripts and styles only, no inline
# code at all (htmx's indicator styles are switched off in base.html), so that an XSS
# that slipped past the sanitiser still runs nothing. The public request form may be
# framed by the sites in ZAYAVKA_EMBED_ORIGINS (portal/webform.py).
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
ZAYAVKA_EMBED_ORIGINS = env_list("ZAYAVKA_EMBED_ORIGINS", ["*"])

# Background work: the worker runs the outbox dispatcher, the IMAP poller and, with Huey
# as the scheduler, the periodic jobs the apps register (core.queue).
ZAYAVKA_REDIS_URL = env_str("ZAYAVKA_REDIS_URL")
ZAYAVKA_WORKERS = env_int("ZAYAVKA_WORKERS", 2)
ZAYAVKA_WEB_WORKERS = env_int("ZAYAVKA_WEB_WORKERS", 1)
ZAYAVKA_OUTBOX_POLL_SECONDS = float(env_str("ZAYAVKA_OUTBOX_POLL_SECONDS", "1"))
ZAYAVKA_HEARTBEAT_MAX_AGE = env_int("ZAYAVKA_HEARTBEAT_MAX_AGE", 180)

# The cache holds counters that every process must share (the web form's rate limits):
# Redis when the desk is scaled out, else files in the data directory, which all the
# processes of one machine see (a per-process memory cache would let each web worker
# count on its own).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": ZAYAVKA_REDIS_URL}
        if ZAYAVKA_REDIS_URL
        else {
            # Django's file cache, culling expired and oldest entries, not random ones.
            "BACKEND": "zayavka.core.filecache.CounterFileCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    )
}

# Tickets: the public number, e.g. "10042" or "ZV-010042".
ZAYAVKA_TICKET_NUMBER_FORMAT = env_str("ZAYAVKA_TICKET_NUMBER_FORMAT", "{number}")
ZAYAVKA_TICKET_NUMBER_START = env_int("ZAYAVKA_TICKET_NUMBER_START", 10001)
ZAYAVKA_DEMO = env_bool("ZAYAVKA_DEMO", True)
# Days a resolved ticket waits for the requester before it closes (contracts may differ).
ZAYAVKA_AUTO_CLOSE_DAYS = env_int("ZAYAVKA_AUTO_CLOSE_DAYS", 3)
# The largest attachment a channel accepts when the contract has no policy for it (R9);
# 0 accepts none. Larger files are kept out of the thread and the sender is told.
ZAYAVKA_MAX_ATTACHMENT_BYTES = env_int("ZAYAVKA_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024)
# The largest request body the web server reads (a form with its files): larger ones are
# answered 413 before their body is read (core/bodylimit.py). By default two attachments
# of the largest size and 1 MiB of text; raise it with a contract that allows more.
ZAYAVKA_MAX_REQUEST_BYTES = env_int(
    "ZAYAVKA_MAX_REQUEST_BYTES", 2 * ZAYAVKA_MAX_ATTACHMENT_BYTES + 1024 * 1024
)
# Automatic mail (notices, acknowledgements) per recipient; beyond it rows are kept but
# not sent, which stops mail loops and floods. 0: no cap. An agent's reply never counts.
ZAYAVKA_AUTOMAIL_PER_HOUR = env_int("ZAYAVKA_AUTOMAIL_PER_HOUR", 20)
ZAYAVKA_AUTOMAIL_PER_DAY = env_int("ZAYAVKA_AUTOMAIL_PER_DAY", 100)

# The public request form: how many requests one client address and one email address
# may file within the window (seconds); beyond it the form asks to try again later.
ZAYAVKA_WEBFORM_RATE_WINDOW = env_int("ZAYAVKA_WEBFORM_RATE_WINDOW", 3600)
ZAYAVKA_WEBFORM_RATE_PER_IP = env_int("ZAYAVKA_WEBFORM_RATE_PER_IP", 20)
ZAYAVKA_WEBFORM_RATE_PER_EMAIL = env_int("ZAYAVKA_WEBFORM_RATE_PER_EMAIL", 5)
# Sign-in (every sign-in page): after this many failed attempts within the window
# (seconds) further attempts are refused until it ends, a correct password included:
# for one login name from one client address (PER_WINDOW; also for one known device),
# from one client address for any names (PER_IP). A login name failing from all
# addresses together is never locked: past PER_NAME failures it gets one attempt per
# delay, doubling with each failure up to DELAY_MAX seconds, and its owner, from a
# device (KNOWN_DEVICE_DAYS) or an address (KNOWN_ADDRESS_DAYS) that signed in before,
# does not wait. 0 switches a limit off.
ZAYAVKA_LOGIN_FAILURE_WINDOW = env_int("ZAYAVKA_LOGIN_FAILURE_WINDOW", 900)
ZAYAVKA_LOGIN_FAILURES_PER_WINDOW = env_int("ZAYAVKA_LOGIN_FAILURES_PER_WINDOW", 5)
ZAYAVKA_LOGIN_FAILURES_PER_IP = env_int("ZAYAVKA_LOGIN_FAILURES_PER_IP", 20)
ZAYAVKA_LOGIN_FAILURES_PER_NAME = env_int("ZAYAVKA_LOGIN_FAILURES_PER_NAME", 10)
ZAYAVKA_LOGIN_DELAY_MAX = env_int("ZAYAVKA_LOGIN_DELAY_MAX", 300)
ZAYAVKA_LOGIN_KNOWN_DEVICE_DAYS = env_int("ZAYAVKA_LOGIN_KNOWN_DEVICE_DAYS", 365)
ZAYAVKA_LOGIN_KNOWN_ADDRESS_DAYS = env_int("ZAYAVKA_LOGIN_KNOWN_ADDRESS_DAYS", 90)
# Two-factor authentication (an authenticator app, with recovery codes): who must use it,
# "optional" (nobody), "admins" (staff and superusers) or "agents" (every agent and the
# administrators); those who must are sent to set it up at their next page.
ZAYAVKA_TWO_FACTOR = env_str("ZAYAVKA_TWO_FACTOR", "optional")
OTP_TOTP_ISSUER = env_str("ZAYAVKA_TWO_FACTOR_ISSUER", "Zayavka")
# Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For is believed when
# telling the client's address for the limits above; empty: the connection's address.
ZAYAVKA_TRUSTED_PROXIES = env_list("ZAYAVKA_TRUSTED_PROXIES", [])

LOG_LEVEL = env_str("ZAYAVKA_LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("ZAYAVKA_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "zayavka.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "huey": {"level": "WARNING"},
        # httpx logs each request's URL, which holds the Telegram bot's token.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
