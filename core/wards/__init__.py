"""The commune-level units (wards and communes) of Đồng Nai."""
