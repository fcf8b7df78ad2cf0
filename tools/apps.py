"""Operations: demo content, benchmarks, soak data, profiling, backup and restore (commands only)."""

from django.apps import AppConfig


class ToolsConfig(AppConfig):
    name = "tools"
    label = "tools"
