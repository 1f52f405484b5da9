"""The shared content library: patterns, capacities, prompts, feelings and sources."""

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "intimacy_app.content"
    label = "content"
    verbose_name = "Content library"
