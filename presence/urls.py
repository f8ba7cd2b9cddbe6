from django.urls import path

from . import views

urlpatterns = [
    path("api/contacts", views.contacts),
    path("api/contacts/<str:username>", views.contact),
    path("api/contacts/<str:username>/block", views.block),
]
