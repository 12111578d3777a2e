// The repository interface every service uses. One implementation today (SQLite through Poco::Data); the
// PostgreSQL one comes next, so nothing SQL-dialect-specific may leak above this line.
#pragma once

#include "common/result.h"
#include "storage/records.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kinvault::storage {

class Store {
public:
    virtual ~Store() = default;

    // Runs `work` in one write transaction; every Store call made by this thread inside `work` joins it.
    // `after_commit` runs after a successful commit while writes are still serialised, so in-memory
    // structures that mirror the database (the audit Merkle tree) stay in commit order.
    virtual Status transaction(const std::function<Status()>& work,
                               const std::function<void()>& after_commit = {}) = 0;

    // Runs `work` with every read this thread makes inside it taken from one consistent snapshot (one read
    // transaction), so a release decision never mixes rows from before and after a concurrent change, such as
    // a revocation committed halfway through the decision. Keep `work` read-only: a write made inside it is
    // not seen by the snapshot's later reads. Inside a write transaction, or a snapshot already, it joins.
    virtual Status snapshot(const std::function<Status()>& work) = 0;

    // Practice-wide settings and sealed secrets (values wrapped by the key hierarchy).
    virtual Result<std::optional<std::string>> setting(const std::string& key) = 0;
    virtual Status put_setting(const std::string& key, const std::string& value) = 0;
    virtual Result<std::optional<Bytes>> sealed_secret(const std::string& name) = 0;
    virtual Status put_sealed_secret(const std::string& name, const Bytes& value) = 0;

    // Accounts and sessions.
    virtual Status insert_user(const UserRecord& user) = 0;
    virtual Status update_user(const UserRecord& user) = 0;
    virtual Result<std::optional<UserRecord>> user_by_id(const std::string& id) = 0;
    virtual Result<std::optional<UserRecord>> user_by_email_index(const std::string& index) = 0;

    virtual Status insert_session(const SessionRecord& session) = 0;
    virtual Result<std::optional<SessionRecord>> session_by_hash(const std::string& token_hash) = 0;
    // The session and its account in one read (every authenticated request makes it); none if either is gone.
    virtual Result<std::optional<SessionWithUser>> session_with_user(const std::string& token_hash) = 0;
    virtual Status touch_session(const std::string& token_hash, UnixTime last_seen) = 0;
    virtual Status delete_session(const std::string& token_hash) = 0;
    virtual Status delete_expired_sessions(UnixTime now, std::int64_t idle_seconds) = 0;

    virtual Status record_login_failure(const LoginFailure& failure) = 0;
    virtual Result<std::int64_t> count_login_failures(const std::string& key, UnixTime since) = 0;
    virtual Result<UnixTime> last_login_failure(const std::string& key) = 0;
    virtual Status clear_login_failures(const std::string& key) = 0;

    // Cases, parties, invitations.
    virtual Status insert_case(const CaseRecord& c) = 0;
    virtual Status update_case(const CaseRecord& c) = 0;
    virtual Result<std::optional<CaseRecord>> case_by_id(const std::string& id) = 0;

    virtual Status insert_party(const PartyRecord& p) = 0;
    virtual Status update_party(const PartyRecord& p) = 0;
    virtual Result<std::optional<PartyRecord>> party_by_id(const std::string& id) = 0;
    virtual Result<std::vector<PartyRecord>> parties_of_case(const std::string& case_id) = 0;
    virtual Result<std::vector<PartyRecord>> parties_of_user(const std::string& user_id) = 0;

    virtual Status insert_invitation(const InvitationRecord& inv) = 0;
    virtual Result<std::optional<InvitationRecord>> invitation_by_hash(const std::string& token_hash) = 0;
    virtual Status mark_invitation_used(const std::string& token_hash, UnixTime at) = 0;
    // Ends every unused invitation of a party (a new link replaces them).
    virtual Status revoke_invitations_of_party(const std::string& party_id, UnixTime at) = 0;

    // Documents and versions.
    virtual Status insert_document(const DocumentRecord& d) = 0;
    virtual Status update_document(const DocumentRecord& d) = 0;
    virtual Result<std::optional<DocumentRecord>> document_by_id(const std::string& id) = 0;
    virtual Result<std::vector<DocumentRecord>> documents_of_case(const std::string& case_id) = 0;
    virtual Status insert_version(const VersionRecord& v) = 0;
    // Records the ciphertext tag of a version that has none yet (a version stored before the tag existed,
    // once a full decryption has verified it). Never replaces a recorded tag.
    virtual Status set_version_mac(const std::string& document_id, std::int64_t version,
                                   const Bytes& mac) = 0;
    virtual Result<std::optional<VersionRecord>> version_of(const std::string& document_id,
                                                            std::int64_t version) = 0;
    virtual Result<std::vector<VersionRecord>> versions_of(const std::string& document_id) = 0;
    virtual Result<std::vector<std::string>> all_blob_ids() = 0;

    // Sealed workflow records (see SealedRecord).
    virtual Status put_record(const SealedRecord& r) = 0; // insert or replace
    virtual Result<std::optional<SealedRecord>> record(const std::string& kind, const std::string& id) = 0;
    // The records of several kinds of one case in one query, ordered by kind, then as records_of_case.
    virtual Result<std::vector<SealedRecord>>
    records_of_case_kinds(const std::string& case_id, const std::vector<std::string>& kinds) = 0;
    virtual Result<std::vector<SealedRecord>> records_of_case(const std::string& kind,
                                                              const std::string& case_id) = 0;
    virtual Result<std::vector<SealedRecord>> records_of_document(const std::string& kind,
                                                                  const std::string& document_id) = 0;
    virtual Result<std::vector<SealedRecord>> records_in_state(const std::string& kind,
                                                               const std::string& state) = 0;

    // Accounting of disclosures.
    virtual Status insert_disclosure(const DisclosureRecord& d) = 0;
    virtual Result<std::vector<DisclosureRecord>> disclosures_of_case(const std::string& case_id) = 0;

    // Notification outbox.
    virtual Status put_outbox(const OutboxRecord& m) = 0; // insert or replace
    virtual Result<std::vector<OutboxRecord>> due_outbox(UnixTime now, int limit) = 0;
    virtual Result<std::vector<OutboxRecord>> outbox_of_case(const std::string& case_id) = 0;

    // The audit log's leaves, in order.
    virtual Result<std::int64_t> append_audit(const std::string& entry, const Bytes& leaf_hash) = 0;
    virtual Result<std::vector<AuditRecord>> audit_range(std::int64_t from, std::int64_t count) = 0;
    virtual Result<std::int64_t> audit_size() = 0;
    // Streams every stored leaf hash in order (used at start to rebuild the in-memory tree).
    virtual Status for_each_audit_leaf(const std::function<void(std::int64_t, const Bytes&)>& fn) = 0;

    // Health.
    virtual Result<std::string> integrity_check() = 0;
};

struct SqliteOptions {
    std::string path;
    int read_connections{4};
    int busy_timeout_seconds{10};
};

// Opens (creating if needed) and migrates an SQLite database: WAL, synchronous=FULL, foreign keys on.
[[nodiscard]] Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

} // namespace kinvault::storage
