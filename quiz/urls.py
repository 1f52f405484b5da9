from django.urls import path

from quiz import views

app_name = "quiz"

urlpatterns = [
    path("", views.start, name="start"),
    path("begin/", views.begin, name="begin"),
    path("<uuid:attempt_id>/step/<int:number>/", views.step, name="step"),
    path("results/<uuid:attempt_id>/", views.result, name="result"),
    path("history/", views.history, name="history"),
]
