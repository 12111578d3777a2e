#include "barrier/place.h"

namespace kinvault::barrier {

namespace {

std::string row(std::string_view table, std::string_view id, std::string_view column) {
    std::string out;
    out.reserve(table.size() + id.size() + column.size() + 2);
    out.append(table).append(":").append(id).append(":").append(column);
    return out;
}

std::string document_version(std::string_view document_id, std::int64_t version) {
    return "doc:" + std::string(document_id) + ":v" + std::to_string(version);
}

} // namespace

std::string context(const Place& p) {
    switch (p.column) {
    case Column::user_email:
        return row("user", p.id, "email");
    case Column::user_name:
        return row("user", p.id, "name");
    case Column::user_totp:
        return row("user", p.id, "totp");
    case Column::case_name:
        return row("case", p.id, "name");
    case Column::party_name:
        return row("party", p.id, "name");
    case Column::party_email:
        return row("party", p.id, "email");
    case Column::version_title:
        return document_version(p.id, p.version) + ":title";
    case Column::version_filename:
        return document_version(p.id, p.version) + ":filename";
    case Column::version_data_key:
        // The keyring appends the KEK version to this itself (crypto/keyring.h).
        return document_version(p.id, p.version);
    case Column::record_body:
        return row("record", p.kind, p.id);
    case Column::outbox_mail:
        return "outbox:" + std::string(p.id);
    case Column::secret:
        // Secrets were sealed under their bare name from the first release on.
        return std::string(p.id);
    }
    return {}; // unreachable: every column is handled above (-Wswitch keeps it so)
}

std::string blob_binding(std::string_view document_id, std::int64_t version, std::uint32_t kek_version) {
    return "kinvault:blob:" + std::string(document_id) + ":v" + std::to_string(version) + ":k" +
           std::to_string(kek_version);
}

} // namespace kinvault::barrier
