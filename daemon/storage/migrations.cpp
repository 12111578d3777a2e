#include "storage/migrations.h"

namespace kinvault::storage {

const std::vector<Migration>& sqlite_migrations() {
    static const std::vector<Migration> migrations = {
        {1,
         "foundation: accounts, sessions, cases, parties, documents, audit log",
         {
             "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
             "CREATE TABLE sealed_secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
             "CREATE TABLE users ("
             " id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('clinician','member')),"
             " email_index TEXT NOT NULL UNIQUE, email_sealed BLOB NOT NULL, name_sealed BLOB NOT NULL,"
             " password_hash TEXT NOT NULL DEFAULT '', totp_sealed BLOB,"
             " totp_last_step INTEGER NOT NULL DEFAULT -1, created_at INTEGER NOT NULL,"
             " disabled INTEGER NOT NULL DEFAULT 0)",
             "CREATE TABLE sessions ("
             " token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
             " csrf_hash TEXT NOT NULL DEFAULT '', auth_method TEXT NOT NULL, client_address TEXT NOT NULL,"
             " created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL, expires_at INTEGER NOT NULL)",
             "CREATE INDEX sessions_user ON sessions(user_id)",
             "CREATE TABLE login_failures (key TEXT NOT NULL, at INTEGER NOT NULL)",
             "CREATE INDEX login_failures_key ON login_failures(key, at)",
             "CREATE TABLE cases ("
             " id TEXT PRIMARY KEY, name_sealed BLOB NOT NULL, mode TEXT NOT NULL CHECK (mode IN "
             "('open','closed')),"
             " created_by TEXT NOT NULL REFERENCES users(id), created_at INTEGER NOT NULL,"
             " status TEXT NOT NULL DEFAULT 'active')",
             "CREATE TABLE parties ("
             " id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), role TEXT NOT NULL,"
             " name_sealed BLOB NOT NULL, email_sealed BLOB NOT NULL, email_index TEXT NOT NULL,"
             " represents TEXT NOT NULL DEFAULT '', user_id TEXT NOT NULL DEFAULT '',"
             " status TEXT NOT NULL DEFAULT 'invited', date_of_birth TEXT NOT NULL DEFAULT '',"
             " created_at INTEGER NOT NULL)",
             "CREATE INDEX parties_case ON parties(case_id)",
             "CREATE INDEX parties_user ON parties(user_id)",
             "CREATE TABLE invitations ("
             " token_hash TEXT PRIMARY KEY, party_id TEXT NOT NULL REFERENCES parties(id),"
             " case_id TEXT NOT NULL REFERENCES cases(id), created_by TEXT NOT NULL,"
             " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER NOT NULL DEFAULT 0)",
             "CREATE TABLE documents ("
             " id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id), type TEXT NOT NULL,"
             " created_by TEXT NOT NULL, created_by_party TEXT NOT NULL DEFAULT '', created_at INTEGER NOT "
             "NULL,"
             " current_version INTEGER NOT NULL, state TEXT NOT NULL, category TEXT NOT NULL DEFAULT '',"
             " sensitivity TEXT NOT NULL DEFAULT '')",
             "CREATE INDEX documents_case ON documents(case_id)",
             "CREATE TABLE document_versions ("
             " document_id TEXT NOT NULL REFERENCES documents(id), version INTEGER NOT NULL,"
             " blob_id TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, sha256 TEXT NOT NULL, pages INTEGER NOT "
             "NULL,"
             " uploaded_by TEXT NOT NULL, uploaded_at INTEGER NOT NULL, title_sealed BLOB NOT NULL,"
             " filename_sealed BLOB NOT NULL, kek_version INTEGER NOT NULL, wrapped_key BLOB NOT NULL,"
             " PRIMARY KEY (document_id, version))",
             "CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, leaf_hash BLOB NOT NULL)",
         }},
        {2,
         "workflow records, accounting of disclosures, notification outbox",
         {
             "CREATE TABLE records ("
             " kind TEXT NOT NULL, id TEXT NOT NULL, case_id TEXT NOT NULL, document_id TEXT NOT NULL "
             "DEFAULT '',"
             " state TEXT NOT NULL, updated_at INTEGER NOT NULL, sealed BLOB NOT NULL, PRIMARY KEY (kind, "
             "id))",
             "CREATE INDEX records_case ON records(kind, case_id)",
             "CREATE INDEX records_document ON records(kind, document_id)",
             "CREATE INDEX records_state ON records(kind, state)",
             "CREATE TABLE disclosures ("
             " id TEXT PRIMARY KEY, case_id TEXT NOT NULL, document_id TEXT NOT NULL, version INTEGER NOT "
             "NULL,"
             " recipient_user TEXT NOT NULL, recipient_party TEXT NOT NULL, at INTEGER NOT NULL, rule TEXT "
             "NOT NULL,"
             " basis TEXT NOT NULL, purpose TEXT NOT NULL)",
             "CREATE INDEX disclosures_case ON disclosures(case_id, at)",
             "CREATE TABLE outbox ("
             " id TEXT PRIMARY KEY, kind TEXT NOT NULL, case_id TEXT NOT NULL, sealed BLOB NOT NULL,"
             " state TEXT NOT NULL, created_at INTEGER NOT NULL, send_after INTEGER NOT NULL,"
             " attempts INTEGER NOT NULL, sent_at INTEGER NOT NULL, last_error TEXT NOT NULL)",
             "CREATE INDEX outbox_due ON outbox(state, send_after)",
             "CREATE INDEX outbox_case ON outbox(case_id)",
             "CREATE INDEX documents_case_created ON documents(case_id, created_at)",
         }},
        {3,
         "a keyed tag over each stored blob's ciphertext, checked before a document is served",
         {
             "ALTER TABLE document_versions ADD COLUMN ciphertext_mac BLOB",
         }},
    };
    return migrations;
}

} // namespace kinvault::storage
