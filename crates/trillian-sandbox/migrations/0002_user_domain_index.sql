-- Listing a domain's users in creation order without sorting: (domain_id, rowid) order.
CREATE INDEX user_domain ON user(domain_id);
