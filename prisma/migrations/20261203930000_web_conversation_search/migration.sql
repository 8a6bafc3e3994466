-- Conversation search (GET /api/v1/conversations?q=): a case-insensitive substring of the title,
-- i.e. `title ILIKE '%q%'`. A B-tree cannot serve a leading wildcard; a trigram GIN index can (for
-- q of 3 characters or more), so a search stays an index lookup in a tenant with thousands of
-- conversations instead of a scan of all of them. pg_trgm ships with PostgreSQL's contrib and is a
-- trusted extension (the database owner may create it). Message content is not indexed: a reply's
-- row is rewritten as it streams, and a GIN entry per write would tax the chat's hot path.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX conversations_title_trgm_idx ON conversations USING gin (title gin_trgm_ops);
