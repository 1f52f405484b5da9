"""The quiz: instruments, items, attempts, scoring, results and history."""

from django.apps import AppConfig


class QuizConfig(AppConfig):
    name = "quiz"
    verbose_name = "Quiz"
