from django.urls import path

from . import views

app_name = "engagements"

urlpatterns = [
    path("contrats/<slug:slug>/annexe-financiere/", views.annexe_financiere, name="annexe"),
    path("contrats/<slug:slug>/annexe-financiere.pdf", views.annexe_financiere_pdf, name="annexe_pdf"),
    path("contrats/<slug:slug>/annexe-financiere.xlsx", views.annexe_financiere_xlsx, name="annexe_xlsx"),
    path("dispositifs/<int:pk>/", views.dispositif, name="dispositif"),
]
