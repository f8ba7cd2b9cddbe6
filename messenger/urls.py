from django.contrib import admin
from django.urls import include, path, re_path

from messenger.operations import admin_login, dashboard
from messenger.web import metrics_view, pages, profile_views, views

urlpatterns = [
    path("api/auth/login", views.login),
    path("api/auth/register", views.register),
    path("api/auth/me", views.me),
    path("api/auth/me/avatar", profile_views.avatar_upload),
    path("api/avatars", profile_views.avatar_gallery),
    path("api/auth/password", views.password_change),
    path("api/auth/ticket", views.ticket),
    path("api/auth/logout", views.logout),
    path("api/health", views.health),
    path("api/data/<str:collection>", views.data_collection),
    path("", include("chat.urls")),
    path("", include("presence.urls")),
    path("", include("bots.urls")),
    re_path(r"^api/(?P<rest>.*)$", views.not_found),
    path("admin/dashboard/", dashboard.dashboard, name="cfm-dashboard"),
    # Before admin.site.urls, so the admin's own login URL is this one.
    path("admin/login/", admin_login.admin_login),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view.metrics_view),
    path("media/avatars/<str:name>", profile_views.uploaded_avatar),
    path("privacy/", pages.privacy, name="privacy"),
    path("", pages.app, name="app"),
]
