"""Settings of the test suite: the production settings with a key of their own."""

import os

os.environ.setdefault("SECRET_KEY", "cle-de-la-suite-de-tests")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

import tempfile  # noqa: E402

# Uploaded files of the tests go to a throwaway folder, never to the project's media/.
MEDIA_ROOT = tempfile.mkdtemp(prefix="contrats-tests-")
