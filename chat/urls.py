from django.urls import path

from . import conversation_views, views

urlpatterns = [
    path("api/rooms", views.rooms),
    path("api/rooms/<str:room_id>", views.room_detail),
    path("api/rooms/<str:room_id>/archive", views.room_archive),
    path("api/rooms/<str:room_id>/messages", views.room_messages),
    path("api/dm", views.dm),
    path("api/conversations", conversation_views.conversations),
    path("api/conversations/<str:room_id>", conversation_views.conversation),
    path("api/conversations/<str:room_id>/members", conversation_views.conversation_members),
    path("api/conversations/<str:room_id>/members/me", conversation_views.conversation_member_me),
    path("api/winks", views.winks),
]
