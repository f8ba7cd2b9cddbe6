from django.urls import path

from . import views

urlpatterns = [
    path("api/rooms", views.rooms),
    path("api/rooms/<str:room_id>", views.room_detail),
    path("api/rooms/<str:room_id>/archive", views.room_archive),
    path("api/rooms/<str:room_id>/messages", views.room_messages),
    path("api/dm", views.dm),
    path("api/winks", views.winks),
]
