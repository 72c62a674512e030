"""The one exception a bad user file produces; tap.py prints it as `error: <message>` and exits 2."""


class ConfigError(Exception):
    """Bad input from a configuration or values file. The message is meant for the user as is: one line."""
