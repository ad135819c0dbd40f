"""URLs of the sales app. Each part keeps its own block."""

from django.urls import path  # noqa: F401

app_name = "sales"

urlpatterns: list = []

# --- S5 pages block ---
# --- end S5 pages block ---

# --- S2 import block ---
# --- end S2 import block ---

# --- S3 actuals block ---
# --- end S3 actuals block ---
