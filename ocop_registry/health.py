"""Liveness and readiness probes for the load balancer."""

from django.http import HttpResponse


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def readyz(request):
    return HttpResponse("ok", content_type="text/plain")
