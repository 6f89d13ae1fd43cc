"""Settings of the test suite: the production settings with a key of their own."""

import os

os.environ.setdefault("SECRET_KEY", "cle-de-la-suite-de-tests")
# The test client speaks plain HTTP; tests/test_securite.py checks the HTTPS settings themselves.
os.environ.setdefault("SECURE_HTTPS", "0")
# Static files read from the apps, not from a collected manifest.
os.environ.setdefault("STATIC_SANS_MANIFESTE", "1")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

import tempfile  # noqa: E402

# Uploaded files of the tests go to a throwaway folder, never to the project's media/.
MEDIA_ROOT = tempfile.mkdtemp(prefix="contrats-tests-")

# An undefined variable in one of the project's templates fails the test (tests/conftest.py).
from tests.variables_indefinies import VariableIndefinie  # noqa: E402

TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = VariableIndefinie()  # noqa: F405

# WhiteNoise indexes every static file (5 000, the DSFR's) when a handler is built, that is for each test
# client: 0.5 s each. In the tests it looks a file up when it is asked for, as with DEBUG on.
WHITENOISE_AUTOREFRESH = True
