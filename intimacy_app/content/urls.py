from django.urls import path

from intimacy_app.content import views

app_name = "content"

urlpatterns = [
    path("patterns/", views.pattern_list, name="pattern_list"),
    path("patterns/<slug:slug>/", views.pattern_detail, name="pattern_detail"),
    path("capacities/", views.capacity_list, name="capacity_list"),
    path("capacities/<slug:slug>/", views.capacity_detail, name="capacity_detail"),
    path("understanding/", views.guide_list, name="guide_list"),
    path("understanding/<slug:slug>/", views.guide, name="guide"),
    path("safety/lines/", views.crisis_lines, name="crisis_lines"),
    path("safety/lines/country/", views.choose_country, name="choose_country"),
]
