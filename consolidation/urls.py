from django.urls import path

from . import views

app_name = "consolidation"

urlpatterns = [
    path("consolidation/", views.page, name="page"),
    path("consolidation.pdf", views.pdf, name="pdf"),
    path("consolidation/<slug:tableau>.<str:format>", views.export, name="export"),
]
