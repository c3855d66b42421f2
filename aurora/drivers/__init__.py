"""L5: libcloud's StorageDriver facade."""
