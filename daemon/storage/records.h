// Rows as the services see them. Sensitive text (names, titles, file names, e-mail addresses) is stored
// sealed by the key hierarchy; storage/ only ever sees the sealed bytes. Nothing here is SQLite-specific.
#pragma once

#include "common/clock.h"
#include "common/hex.h"

#include <cstdint>
#include <optional>
#include <string>

namespace kinvault::storage {

struct UserRecord {
    std::string id;
    std::string kind;        // domain::AccountKind as text
    std::string email_index; // keyed blind index of the normalised e-mail address
    Bytes email_sealed;
    Bytes name_sealed;
    std::string password_hash; // Argon2id PHC string; empty until an invitation is accepted
    Bytes totp_sealed;         // empty when TOTP is not enrolled
    std::int64_t totp_last_step{-1};
    UnixTime created_at{0};
    bool disabled{false};
};

struct SessionRecord {
    std::string token_hash; // SHA-256 of the bearer token, hex; the token itself is never stored
    std::string user_id;
    std::string csrf_hash; // SHA-256 of the CSRF token for browser sessions
    std::string auth_method;
    std::string client_address;
    UnixTime created_at{0};
    UnixTime last_seen{0};
    UnixTime expires_at{0}; // absolute expiry
};

struct SessionWithUser {
    SessionRecord session;
    UserRecord user;
};

struct CaseRecord {
    std::string id;
    Bytes name_sealed;
    std::string mode; // open | closed
    std::string created_by;
    UnixTime created_at{0};
    std::string status{"active"};
};

struct PartyRecord {
    std::string id;
    std::string case_id;
    std::string role;
    Bytes name_sealed;
    Bytes email_sealed;
    std::string email_index;
    std::string represents;        // party id, attorneys only
    std::string user_id;           // set when the invitation is accepted
    std::string status{"invited"}; // invited | active | removed | substituted
    std::string date_of_birth;     // YYYY-MM-DD, children
    UnixTime created_at{0};
};

struct InvitationRecord {
    std::string token_hash;
    std::string party_id;
    std::string case_id;
    std::string created_by;
    UnixTime created_at{0};
    UnixTime expires_at{0};
    UnixTime used_at{0};
};

struct DocumentRecord {
    std::string id;
    std::string case_id;
    std::string type;
    std::string created_by;       // user id
    std::string created_by_party; // party id, empty for the practice
    UnixTime created_at{0};
    std::int64_t current_version{0};
    std::string state;    // lifecycle state of the document's type
    std::string category; // release-engine category (defaults to the type)
    std::string sensitivity;
};

struct VersionRecord {
    std::string document_id;
    std::int64_t version{0};
    std::string blob_id;
    std::int64_t size{0};
    std::string sha256; // of the plaintext, hex
    std::int64_t pages{0};
    std::string uploaded_by;
    UnixTime uploaded_at{0};
    Bytes title_sealed;
    Bytes filename_sealed;
    std::uint32_t kek_version{0};
    Bytes wrapped_key;
    // Poly1305 tag of the whole blob file, keyed from the data key (crypto/blob_mac.h); empty for versions
    // stored before migration 3 until their first read has verified them by decryption.
    Bytes ciphertext_mac;
};

struct AuditRecord {
    std::int64_t seq{0}; // 0-based leaf index in the Merkle tree
    std::string entry;   // canonical JSON of the entry
    Bytes leaf_hash;
};

// A structured record of the consent, signing and letter workflows (ROI, court order, envelope, ...),
// stored as a sealed JSON document with a few clear columns to find it by. Keeps storage/ ignorant of the
// domain's shapes while everything person-related stays encrypted at rest.
struct SealedRecord {
    std::string kind; // "roi", "order", "envelope", "letter", ...
    std::string id;
    std::string case_id;
    std::string document_id;
    std::string state;
    UnixTime updated_at{0};
    Bytes sealed;
};

// One entry of the accounting of disclosures (45 CFR 164.528): who received which document, when, and on
// which legal basis.
struct DisclosureRecord {
    std::string id;
    std::string case_id;
    std::string document_id;
    std::int64_t version{0};
    std::string recipient_user;
    std::string recipient_party;
    UnixTime at{0};
    std::string rule;
    std::string basis;
    std::string purpose;
};

// An e-mail waiting to be sent (or sent): the notification outbox.
struct OutboxRecord {
    std::string id;
    std::string kind; // invitation, signing-request, reminder, completion, revocation
    std::string case_id;
    Bytes sealed;                 // recipient, subject and body, sealed
    std::string state{"pending"}; // pending | sent | failed
    UnixTime created_at{0};
    UnixTime send_after{0};
    std::int64_t attempts{0};
    UnixTime sent_at{0};
    std::string last_error;
};

struct LoginFailure {
    std::string key; // "account:<index>" or "address:<ip>"
    UnixTime at{0};
};

} // namespace kinvault::storage
