// Where a sealed value is stored (table, column, row), and the associated data that binds it there.
//
// Every value the key hierarchy seals carries its place as associated data, so a sealed name copied into
// another row, another column or another table fails authentication instead of showing the wrong person's
// name. These strings are part of the vault format: a vault sealed by an earlier Kinvault opens only if they
// stay byte for byte as they are (tests/unit/barrier/test_places.cpp pins each one). Nothing outside
// daemon/barrier/ builds them; services go through barrier::Barrier.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kinvault::barrier {

// Every sealed column of the schema (storage/records.h), named table_column.
enum class Column {
    user_email,       // users.email_sealed
    user_name,        // users.name_sealed
    user_totp,        // users.totp_sealed (base32 TOTP secret)
    case_name,        // cases.name_sealed
    party_name,       // parties.name_sealed
    party_email,      // parties.email_sealed
    version_title,    // versions.title_sealed
    version_filename, // versions.filename_sealed
    version_data_key, // versions.wrapped_key (the document version's data key, wrapped by a KEK)
    record_body,      // records.sealed (a workflow record's JSON; the row is found by kind and id)
    outbox_mail,      // outbox.sealed (recipient, subject and body)
    secret,           // sealed_secrets.sealed (a private key or seed, found by its name)
};

// One stored value's address. `id` is the row's id (the document id for versions, the secret's name for
// secrets); `version` is used by version columns only; `kind` by records only.
struct Place {
    Column column{Column::user_email};
    std::string_view id{};
    std::int64_t version{0};
    std::string_view kind{};
};

// The associated data of the value stored at `place`.
[[nodiscard]] std::string context(const Place& place);

// The binding of a document version's encrypted blob (crypto/blob_cipher.h): names the document, the version
// and the KEK version its data key is wrapped under, so a blob file swapped between versions is refused.
[[nodiscard]] std::string blob_binding(std::string_view document_id, std::int64_t version,
                                       std::uint32_t kek_version);

} // namespace kinvault::barrier
