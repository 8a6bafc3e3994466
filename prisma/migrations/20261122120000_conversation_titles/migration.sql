-- Conversation titles written by the tenant's assistant (docs/adr/0010-conversation-titles.md).

-- Who wrote a conversation's title: 'generated' (the title job) or 'user' (PATCH; never replaced).
-- NULL: no title yet, or the placeholder cut from the first message, which a generated title replaces.
ALTER TABLE conversations ADD COLUMN title_source text CHECK (title_source IN ('generated', 'user'));

-- Opt-in per tenant: a title is one more model call, paid from the tenant's token quota.
ALTER TABLE assistant_configs ADD COLUMN auto_titles boolean NOT NULL DEFAULT false;
