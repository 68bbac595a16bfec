from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeypointsConfig(AppConfig):
    name = "keypoints"
    verbose_name = _("Key points")
