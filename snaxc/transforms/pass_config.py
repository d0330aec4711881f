"""The cluster configuration a pass works for, given as a pass option."""

from xdsl.utils.exceptions import DiagnosticException

from snaxc.config import ClusterConfig, ConfigError, load_config


def pass_config(pass_name: str, path: str) -> ClusterConfig:
    """Load the configuration at `path` (the default one when empty) for the pass
    `pass_name`; a bad configuration is a diagnostic naming the pass."""
    try:
        return load_config(path or None)
    except ConfigError as e:
        raise DiagnosticException(f"{pass_name}: {e}") from None
