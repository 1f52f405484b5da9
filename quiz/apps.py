"""The quiz: instruments, items, attempts, scoring, results and history."""

from django.apps import AppConfig


class QuizConfig(AppConfig):
    name = "quiz"
    verbose_name = "Quiz"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from quiz.signals import claim_attempts_on_login

        user_logged_in.connect(claim_attempts_on_login, dispatch_uid="quiz_claim_attempts")
