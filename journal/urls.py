"""The journal's URLs, under /journal/."""

from django.urls import path

from journal import views

app_name = "journal"

urlpatterns = [
    path("", views.entry_list, name="list"),
    path("new/", views.entry_create, name="create"),
    path("prompts/", views.entry_prompts, name="prompts"),
    path("<uuid:pk>/", views.entry_detail, name="detail"),
    path("<uuid:pk>/edit/", views.entry_update, name="update"),
    path("<uuid:pk>/delete/", views.entry_delete, name="delete"),
    path("<uuid:pk>/undo-delete/", views.entry_undo_delete, name="undo_delete"),
    path("insights/", views.insights, name="insights"),
    path("export/", views.export, name="export"),
    path("export/<slug:fmt>/", views.export_file, name="export_file"),
    path("import/", views.entries_import, name="import"),
    path("delete-all/", views.entries_delete_all, name="delete_all"),
]
