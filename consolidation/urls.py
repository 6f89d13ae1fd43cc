from django.urls import path

from . import roles, views

app_name = "consolidation"

urlpatterns = [
    path("consolidation/", views.page, name="page"),
    path("consolidation.pdf", views.pdf, name="pdf"),
    path("consolidation/<slug:tableau>.<str:format>", views.export, name="export"),
    # Who reads across contracts: granted by invitation, revoked by whoever may grant.
    path("consolidation/roles/", roles.roles, name="roles"),
    path("consolidation/roles/<int:pk>/retirer/", roles.role_revoquer, name="role_revoquer"),
    path("consolidation/roles/lien/<str:jeton>/", roles.role_lien, name="role_lien"),
]
