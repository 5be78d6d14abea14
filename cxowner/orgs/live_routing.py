"""The live socket's address: one per organization, the organization taken from the URL."""

from django.urls import path

from .live_consumer import LiveConsumer

websocket_urlpatterns = [path("ws/o/<slug:org>/live/", LiveConsumer.as_asgi())]
