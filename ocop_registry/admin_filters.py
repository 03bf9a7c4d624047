"""Changelist filter helpers shared by the product and evaluation admins."""


def titled(filter_class, title):
    """``filter_class`` shown under another title (e.g. "huyện cũ" rather than the field's "huyện")."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled
