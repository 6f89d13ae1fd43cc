from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accueil.views import accessibilite, accueil, donnees_personnelles, mentions_legales
from contrat.authentification import DemandeDeReinitialisation
from contrat.sante import sante

comptes = [
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe/change/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "mot-de-passe/oubli/",
        auth_views.PasswordResetView.as_view(form_class=DemandeDeReinitialisation),
        name="password_reset",
    ),
    path("mot-de-passe/oubli/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mot-de-passe/nouveau/fait/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

urlpatterns = [
    path("", accueil, name="accueil"),
    path("accessibilite/", accessibilite, name="accessibilite"),
    path("mentions-legales/", mentions_legales, name="mentions_legales"),
    path("donnees-personnelles/", donnees_personnelles, name="donnees_personnelles"),
    *comptes,
    path("sante/", sante, name="sante"),
    path("admin/", admin.site.urls),
    path("", include("contrat.urls")),
    path("", include("engagements.urls")),
    path("", include("importation.urls")),
    path("", include("fiches.urls")),
    path("", include("gouvernance.urls")),
    path("", include("rapport.urls")),
    path("", include("tenues.urls")),
    path("", include("consolidation.urls")),
]
