def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "scaleout: starts server processes against the shared PostgreSQL and Redis; "
        "skipped unless DATABASE_URL and REDIS_URL are set",
    )
