from django.db import models


class Thing(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.name


class Gadget(models.Model):
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE)
    thing_id: int  # an app outside INSTALLED_APPS: the django-stubs plugin does not add the column
    size = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.thing_id}:{self.size}"
