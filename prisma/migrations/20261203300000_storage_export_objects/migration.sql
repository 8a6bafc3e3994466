-- Exports are streamed to object storage (src/platform/storage, docs/adr/0014-object-storage-and-key-rotation.md)
-- instead of being built in memory and stored here as bytea. A new export keeps only its object key;
-- exports built before this migration keep their bytes in `archive` and stay downloadable until the
-- purge deletes them (at most 7 days): no data is moved.
ALTER TABLE tenant_exports ADD COLUMN storage_key text;

-- A built export has its archive somewhere: in object storage, or (legacy) in the row.
ALTER TABLE tenant_exports ADD CONSTRAINT tenant_exports_ready_has_archive
  CHECK (status <> 'ready' OR storage_key IS NOT NULL OR archive IS NOT NULL);

-- An object key is the export's own, under its tenant's prefix (tenants/<tenantId>/exports/<id>.<ext>):
-- never another tenant's, whatever the code computes.
ALTER TABLE tenant_exports ADD CONSTRAINT tenant_exports_storage_key_scoped
  CHECK (storage_key IS NULL OR starts_with(storage_key, 'tenants/' || tenant_id || '/exports/' || id || '.'));
