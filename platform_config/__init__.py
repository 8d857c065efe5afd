"""One typed, frozen, validated platform config (see ``config/platform.toml``)."""

from platform_config.platform import ConfigError, PlatformConfig, load_config, parse_config

__all__ = ["ConfigError", "PlatformConfig", "load_config", "parse_config"]
