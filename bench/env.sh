# The environment of the bench: production settings (DEBUG off) on the PostgreSQL of DATABASE_URL.
export DEBUG=0 SECRET_KEY="${SECRET_KEY:-cle-du-banc-d-essai}" SECURE_HTTPS=0 STATIC_SANS_MANIFESTE=1 ALLOWED_HOSTS=testserver
