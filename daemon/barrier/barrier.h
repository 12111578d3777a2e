// The barrier: the only way the services seal and open stored values. It takes the row a value belongs to
// and derives the associated data from the row's table (the parameter's type), the column (the function's
// name) and the row's own id, so a caller cannot seal a value under another row's context by a typo: there
// is no context string to type. (The same idea as HashiCorp Vault's barrier, which derives a value's
// associated data from its storage path.)
//
// Why typed accessors rather than a generic seal(Column, id, value): the generic form still lets a caller
// pass the wrong id; taking the record does not. The generic form exists underneath (barrier/place.h) for
// the tests, which walk every column.
//
// Seal functions write the sealed bytes into the record and need its id (and, for versions, the document
// id and version; for records, the kind) to be set first.
#pragma once

#include "barrier/place.h"
#include "common/hex.h"
#include "common/result.h"
#include "crypto/keyring.h"
#include "crypto/secret.h"
#include "storage/records.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace kinvault::barrier {

class Barrier {
public:
    explicit Barrier(const crypto::Keyring& keyring) : m_keyring(keyring) {}

    // users: e-mail address, display name, TOTP secret (base32).
    void seal_email(storage::UserRecord& user, std::string_view email) const;
    void seal_name(storage::UserRecord& user, std::string_view name) const;
    void seal_totp(storage::UserRecord& user, std::string_view base32_secret) const;
    [[nodiscard]] Result<std::string> open_email(const storage::UserRecord& user) const;
    [[nodiscard]] Result<std::string> open_name(const storage::UserRecord& user) const;
    [[nodiscard]] Result<std::string> open_totp(const storage::UserRecord& user) const;

    // cases: the family's name for the case.
    void seal_name(storage::CaseRecord& c, std::string_view name) const;
    [[nodiscard]] Result<std::string> open_name(const storage::CaseRecord& c) const;

    // parties: name and e-mail address.
    void seal_name(storage::PartyRecord& party, std::string_view name) const;
    void seal_email(storage::PartyRecord& party, std::string_view email) const;
    [[nodiscard]] Result<std::string> open_name(const storage::PartyRecord& party) const;
    [[nodiscard]] Result<std::string> open_email(const storage::PartyRecord& party) const;

    // versions: title and file name of one version of a document.
    void seal_title(storage::VersionRecord& v, std::string_view title) const;
    void seal_filename(storage::VersionRecord& v, std::string_view filename) const;
    [[nodiscard]] Result<std::string> open_title(const storage::VersionRecord& v) const;
    [[nodiscard]] Result<std::string> open_filename(const storage::VersionRecord& v) const;

    // versions: the data key of one version, wrapped by the current KEK. Wrapped before the version row
    // exists (the blob is encrypted first), so it takes the document id and version; unwrapped from the row.
    [[nodiscard]] crypto::WrappedKey wrap_data_key(std::string_view document_id, std::int64_t version,
                                                   const crypto::Secret& data_key) const;
    [[nodiscard]] Result<crypto::Secret> unwrap_data_key(const storage::VersionRecord& v) const;

    // records: a workflow record's JSON (ROI, order, letter, envelope, signer certificate, e-sign
    // consent...), bound to its kind and id.
    void seal_record(storage::SealedRecord& record, std::string_view json) const;
    [[nodiscard]] Result<std::string> open_record(const storage::SealedRecord& record) const;

    // outbox: one message (recipient, subject and body as JSON).
    void seal_mail(storage::OutboxRecord& message, std::string_view json) const;
    [[nodiscard]] Result<std::string> open_mail(const storage::OutboxRecord& message) const;

    // sealed_secrets: a private key or seed, stored under its name ("ca.key", "tls.key", "audit.seed"...).
    [[nodiscard]] Bytes seal_secret(std::string_view name, const crypto::Secret& secret) const;
    [[nodiscard]] Result<crypto::Secret> open_secret(std::string_view name, const Bytes& sealed) const;

    // Keyed blind indexes (not sealed values, but derived from the same hierarchy, so the services that
    // find rows by them need nothing but the barrier): of a normalised e-mail address, and the CSRF token
    // of a session.
    [[nodiscard]] std::string email_index(std::string_view normalised_email) const;
    [[nodiscard]] std::string csrf_token(std::string_view session_hash) const;

private:
    [[nodiscard]] Bytes seal(const Place& place, std::string_view plaintext) const;
    [[nodiscard]] Result<std::string> open(const Place& place, const Bytes& sealed) const;

    const crypto::Keyring& m_keyring;
};

} // namespace kinvault::barrier
