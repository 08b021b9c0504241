"""Reports demo data: months of history for the registry and stamps, ward reports, snapshots."""


def load_demo() -> bool:
    """Load the reports demo; False when it is already present. (Written by its own change.)"""
    raise RuntimeError("the reports demo is not written yet")
