from django.contrib import admin

from cxowner.orgs.admin import AnnouncesMatrixChanges

from .models import Journey, Stage, Touchpoint


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ["name", "position"]


@admin.register(Journey)
class JourneyAdmin(AnnouncesMatrixChanges, admin.ModelAdmin):
    list_display = ["name", "organization", "persona", "position"]
    list_filter = ["organization"]
    search_fields = ["name", "persona"]
    list_select_related = ["organization"]
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(AnnouncesMatrixChanges, admin.ModelAdmin):
    list_display = ["name", "journey", "position"]
    list_filter = ["journey__organization"]
    search_fields = ["name", "journey__name"]
    list_select_related = ["journey"]
    raw_id_fields = ["journey"]


@admin.register(Touchpoint)
class TouchpointAdmin(AnnouncesMatrixChanges, admin.ModelAdmin):
    list_display = ["name", "journey", "stage", "position", "importance", "out_of_scope"]
    list_filter = ["organization", "out_of_scope", "importance"]
    search_fields = ["name", "journey__name", "stage__name"]
    list_select_related = ["journey", "stage"]
    raw_id_fields = ["journey", "stage"]
