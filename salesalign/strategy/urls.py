"""URLs of the strategy app. Two blocks, each kept by the module that owns its views."""

from django.urls import path

from salesalign.strategy.views import documents, goals

app_name = "strategy"

urlpatterns = [
    # --- goals block: views/goals.py (editions, values, goals, "Our strategy") ---
    path("", goals.our_strategy, name="our_strategy"),
    path("editions/", goals.edition_list, name="edition_list"),
    path("goals/", goals.goal_list, name="goal_list"),
    # --- end goals block ---
    # --- documents block: views/documents.py (documents, confirmations, questions) ---
    path("documents/", documents.document_list, name="document_list"),
    # --- end documents block ---
]
