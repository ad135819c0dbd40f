"""URLs of the targets pages (method step 2)."""

from django.urls import path

from salesalign.targets.views import allocation, cascade, negotiation, plans, seasonality, sight

app_name = "targets"

urlpatterns = [
    # plans and versions
    path("", plans.plan_list, name="plan_list"),
    path("plans/new/", plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/submit/", plans.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/approve/", plans.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/replan/", plans.plan_replan, name="plan_replan"),
    path("plans/<int:pk>/company-target/", plans.company_target_set, name="company_target_set"),
    path("targets/<int:pk>/goal/", plans.target_goal_link, name="target_goal_link"),
    path("plans/<int:pk>/diff/", plans.plan_diff, name="plan_diff"),
    # seasonality: the monthly weights that phase the year
    path("plans/<int:pk>/seasonality/", seasonality.seasonality, name="seasonality"),
    path(
        "plans/<int:pk>/seasonality/enter/",
        seasonality.seasonality_enter,
        name="seasonality_enter",
    ),
    path(
        "plans/<int:pk>/seasonality/derive/",
        seasonality.seasonality_derive,
        name="seasonality_derive",
    ),
    # the cascade editor, XLSX out and in
    path("plans/<int:pk>/cascade/", cascade.cascade, name="cascade"),
    path("plans/<int:pk>/cascade/save/", cascade.cascade_save, name="cascade_save"),
    path("plans/<int:pk>/cascade/export/", cascade.cascade_export, name="cascade_export"),
    path("plans/<int:pk>/cascade/import/", cascade.cascade_import, name="cascade_import"),
    path(
        "plans/<int:pk>/cascade/import/confirm/",
        cascade.cascade_import_confirm,
        name="cascade_import_confirm",
    ),
    # the allocation wizard
    path(
        "plans/<int:pk>/targets/<int:target_pk>/allocate/",
        allocation.allocate,
        name="allocate",
    ),
    # negotiation
    path("negotiation/", negotiation.inbox, name="negotiation"),
    path("plans/<int:pk>/negotiation/", negotiation.inbox, name="plan_negotiation"),
    path("targets/<int:pk>/", negotiation.target_detail, name="target_detail"),
    path("targets/<int:pk>/publish/", negotiation.publish, name="publish"),
    path("targets/<int:pk>/comment/", negotiation.target_comment, name="target_comment"),
    path("proposals/<int:pk>/accept/", negotiation.proposal_accept, name="proposal_accept"),
    path("proposals/<int:pk>/counter/", negotiation.proposal_counter, name="proposal_counter"),
    path("proposals/<int:pk>/resolve/", negotiation.proposal_resolve, name="proposal_resolve"),
    # line of sight
    path("my/", sight.my_targets, name="my_targets"),
    path("people/<int:pk>/", sight.person_targets, name="person_targets"),
    path("people/<int:pk>/sight/", sight.person_sight_block, name="person_sight_block"),
]
