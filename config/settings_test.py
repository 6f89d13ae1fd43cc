"""Settings of the test suite: the production settings with a key of their own."""

import os

os.environ.setdefault("SECRET_KEY", "cle-de-la-suite-de-tests")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
