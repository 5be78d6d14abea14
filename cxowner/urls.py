"""cxowner's URLs: the admin for now; the browser and the API mount here."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
