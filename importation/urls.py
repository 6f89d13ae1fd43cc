from django.urls import path

from . import views

app_name = "importation"

urlpatterns = [
    path("contrats/<slug:slug>/annexe-financiere/importer/", views.importer, name="annexe_importer"),
    path("imports/<int:pk>/confirmer/", views.confirmer, name="import_confirmer"),
]
