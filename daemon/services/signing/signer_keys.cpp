#include "services/signing/signer_keys.h"

#include "crypto/cms.h"

namespace kinvault::services {

SignerKeys::SignerKeys(storage::Store& store, const barrier::Barrier& barrier, const Clock& clock,
                       crypto::CertifiedKey root, std::string practice_name)
    : m_store(store), m_barrier(barrier), m_clock(clock), m_root(std::move(root)),
      m_practice_name(std::move(practice_name)) {}

Result<crypto::CertifiedKey> SignerKeys::key_for(const Principal& who, const std::string& name) {
    const std::string key_name = "signer-key:" + who.user_id;
    auto sealed = KV_TRY_VALUE(m_store.sealed_secret(key_name));
    auto cert_rec = KV_TRY_VALUE(m_store.record("signer-cert", who.user_id));
    if (sealed.has_value() && cert_rec.has_value()) {
        auto key = m_barrier.open_secret(key_name, *sealed);
        auto cert = m_barrier.open_record(*cert_rec);
        if (!key || !cert) {
            return make_error(Errc::integrity, "your signing key could not be unsealed");
        }
        auto info = crypto::describe_certificate(*cert);
        // Reuse while valid for another 30 days and issued in the same name; else issue a fresh one.
        if (info && info->not_after > m_clock.now() + 30 * 86400 && info->common_name == name) {
            return crypto::CertifiedKey{std::move(key).value(), *cert};
        }
    }
    // Generated here, wrapped by the key hierarchy, and only ever unwrapped inside an authenticated signing
    // act.
    auto pair = KV_TRY_VALUE(crypto::generate_p256_key());
    auto cert = KV_TRY_VALUE(crypto::issue_signer_certificate(
        m_root, pair.public_key_pem, {name, who.email, m_practice_name}, m_clock.now(), 730));
    storage::SealedRecord r;
    r.kind = "signer-cert";
    r.id = who.user_id;
    r.case_id = "";
    r.state = "active";
    r.updated_at = m_clock.now();
    m_barrier.seal_record(r, cert);
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_store.put_sealed_secret(key_name, m_barrier.seal_secret(key_name, pair.private_key_pem)));
        return m_store.put_record(r);
    }));
    return crypto::CertifiedKey{std::move(pair.private_key_pem), cert};
}

} // namespace kinvault::services
