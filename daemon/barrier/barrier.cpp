#include "barrier/barrier.h"

namespace kinvault::barrier {

Bytes Barrier::seal(const Place& place, std::string_view plaintext) const {
    return m_keyring.seal_field(plaintext, context(place));
}

Result<std::string> Barrier::open(const Place& place, const Bytes& sealed) const {
    return m_keyring.open_field(sealed, context(place));
}

void Barrier::seal_email(storage::UserRecord& user, std::string_view email) const {
    user.email_sealed = seal({.column = Column::user_email, .id = user.id}, email);
}
void Barrier::seal_name(storage::UserRecord& user, std::string_view name) const {
    user.name_sealed = seal({.column = Column::user_name, .id = user.id}, name);
}
void Barrier::seal_totp(storage::UserRecord& user, std::string_view base32_secret) const {
    user.totp_sealed = seal({.column = Column::user_totp, .id = user.id}, base32_secret);
}
Result<std::string> Barrier::open_email(const storage::UserRecord& user) const {
    return open({.column = Column::user_email, .id = user.id}, user.email_sealed);
}
Result<std::string> Barrier::open_name(const storage::UserRecord& user) const {
    return open({.column = Column::user_name, .id = user.id}, user.name_sealed);
}
Result<std::string> Barrier::open_totp(const storage::UserRecord& user) const {
    return open({.column = Column::user_totp, .id = user.id}, user.totp_sealed);
}

void Barrier::seal_name(storage::CaseRecord& c, std::string_view name) const {
    c.name_sealed = seal({.column = Column::case_name, .id = c.id}, name);
}
Result<std::string> Barrier::open_name(const storage::CaseRecord& c) const {
    return open({.column = Column::case_name, .id = c.id}, c.name_sealed);
}

void Barrier::seal_name(storage::PartyRecord& party, std::string_view name) const {
    party.name_sealed = seal({.column = Column::party_name, .id = party.id}, name);
}
void Barrier::seal_email(storage::PartyRecord& party, std::string_view email) const {
    party.email_sealed = seal({.column = Column::party_email, .id = party.id}, email);
}
Result<std::string> Barrier::open_name(const storage::PartyRecord& party) const {
    return open({.column = Column::party_name, .id = party.id}, party.name_sealed);
}
Result<std::string> Barrier::open_email(const storage::PartyRecord& party) const {
    return open({.column = Column::party_email, .id = party.id}, party.email_sealed);
}

void Barrier::seal_title(storage::VersionRecord& v, std::string_view title) const {
    v.title_sealed =
        seal({.column = Column::version_title, .id = v.document_id, .version = v.version}, title);
}
void Barrier::seal_filename(storage::VersionRecord& v, std::string_view filename) const {
    v.filename_sealed =
        seal({.column = Column::version_filename, .id = v.document_id, .version = v.version}, filename);
}
Result<std::string> Barrier::open_title(const storage::VersionRecord& v) const {
    return open({.column = Column::version_title, .id = v.document_id, .version = v.version}, v.title_sealed);
}
Result<std::string> Barrier::open_filename(const storage::VersionRecord& v) const {
    return open({.column = Column::version_filename, .id = v.document_id, .version = v.version},
                v.filename_sealed);
}

crypto::WrappedKey Barrier::wrap_data_key(std::string_view document_id, std::int64_t version,
                                          const crypto::Secret& data_key) const {
    return m_keyring.wrap_key(
        data_key, context({.column = Column::version_data_key, .id = document_id, .version = version}));
}
Result<crypto::Secret> Barrier::unwrap_data_key(const storage::VersionRecord& v) const {
    return m_keyring.unwrap_key(
        {v.kek_version, v.wrapped_key},
        context({.column = Column::version_data_key, .id = v.document_id, .version = v.version}));
}

void Barrier::seal_record(storage::SealedRecord& record, std::string_view json) const {
    record.sealed = seal({.column = Column::record_body, .id = record.id, .kind = record.kind}, json);
}
Result<std::string> Barrier::open_record(const storage::SealedRecord& record) const {
    return open({.column = Column::record_body, .id = record.id, .kind = record.kind}, record.sealed);
}

void Barrier::seal_mail(storage::OutboxRecord& message, std::string_view json) const {
    message.sealed = seal({.column = Column::outbox_mail, .id = message.id}, json);
}
Result<std::string> Barrier::open_mail(const storage::OutboxRecord& message) const {
    return open({.column = Column::outbox_mail, .id = message.id}, message.sealed);
}

Bytes Barrier::seal_secret(std::string_view name, const crypto::Secret& secret) const {
    return m_keyring.seal_secret(secret, context({.column = Column::secret, .id = name}));
}
Result<crypto::Secret> Barrier::open_secret(std::string_view name, const Bytes& sealed) const {
    return m_keyring.open_secret(sealed, context({.column = Column::secret, .id = name}));
}

std::string Barrier::email_index(std::string_view normalised_email) const {
    return m_keyring.blind_index("email", normalised_email);
}
std::string Barrier::csrf_token(std::string_view session_hash) const {
    return m_keyring.blind_index("csrf", session_hash);
}

} // namespace kinvault::barrier
