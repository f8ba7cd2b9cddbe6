from django.contrib import admin

from .models import Contact


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("owner", "contact", "listed", "blocked", "created_at")
    list_filter = ("listed", "blocked")
    search_fields = ("owner__username", "contact__username")
    raw_id_fields = ("owner", "contact")
