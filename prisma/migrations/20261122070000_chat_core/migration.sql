-- Chat core: a member lists their own conversations, most recent first (GET /api/v1/conversations).
CREATE INDEX conversations_user_recent_idx ON conversations (tenant_id, user_id, updated_at DESC, id DESC);
