from portal.formal_steps import bp  # noqa: F401
