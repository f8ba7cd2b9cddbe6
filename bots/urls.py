from django.urls import path

from . import views

urlpatterns = [
    path("api/bots", views.bot_list),
]
