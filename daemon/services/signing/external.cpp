#include "services/signing/external.h"

#include "crypto/ca.h"
#include "crypto/cms.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "pdf/inject.h"
#include "pdf/remote.h"
#include "services/audit_actions.h"

#include <algorithm>

namespace kinvault::services {

struct ExternalSigning::Pending {
    std::string envelope_id;
    std::string slot;
    std::string user_id;
    pdf::PreparedPdf prepared;
    crypto::Digest digest{};
    std::string certificate_pem;
    std::vector<std::string> chain_pem;
    UnixTime expires_at{0};
    SignAct act;
    std::string signature_id;                   // drawn into the visible mark at preparation
    std::map<std::string, std::string> stamped; // every value field as prepared (dates, initials included)
};

ExternalSigning::ExternalSigning(AuditLog& audit, Vault& vault, EnvelopeRecords& records, SigningActs& acts,
                                 pdf::PdfGateway& pdf, const Clock& clock)
    : m_audit(audit), m_vault(vault), m_records(records), m_acts(acts), m_pdf(pdf), m_clock(clock) {}

// Long because the preparation is one sequence of checks (turn, act, certificate), the prepared update,
// and what must be kept for the completion; splitting it would scatter that sequence.
Result<ExternalPrepared> ExternalSigning::prepare(const Principal& who, const std::string& envelope_id,
                                                  SignAct act, const std::string& certificate_pem,
                                                  const std::vector<std::string>& chain_pem,
                                                  const RequestInfo& req) {
    auto lock = m_records.lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = KV_TRY_VALUE(m_records.load_for(who, envelope_id, false));
    KV_TRY(m_records.check_expiry(e, req));
    const std::size_t index = KV_TRY_VALUE(m_records.my_signer(who, e));
    KV_TRY(m_acts.check_act(who, e, index, act, req));
    auto info = crypto::describe_certificate(certificate_pem);
    if (!info) {
        return make_error(Errc::invalid_input, "That is not a certificate (PEM expected).");
    }
    if (info->not_after < m_clock.now() || info->not_before > m_clock.now()) {
        return make_error(Errc::invalid_input, "Your certificate is not valid today.");
    }
    auto bytes = KV_TRY_VALUE(m_vault.read_bytes(e.document_id, e.current_version));
    auto request = KV_TRY_VALUE(m_acts.signature_request(e, index, act, info->common_name));
    auto prepared = KV_TRY_VALUE(pdf::remote_prepare(m_pdf, bytes, request));
    auto digest = KV_TRY_VALUE(pdf::byte_range_digest(prepared));
    auto pending = std::make_shared<Pending>();
    pending->envelope_id = envelope_id;
    pending->slot = e.signers[index].slot;
    pending->user_id = who.user_id;
    pending->prepared = std::move(prepared);
    pending->digest = digest;
    pending->certificate_pem = certificate_pem;
    pending->chain_pem = chain_pem;
    pending->expires_at = m_clock.now() + 600;
    pending->act.viewed_sha256 = act.viewed_sha256;
    pending->act.intent = act.intent;
    pending->act.typed_signature = act.typed_signature;
    pending->act.totp = act.totp;
    pending->act.fields = act.fields;
    pending->signature_id = request.signature_id;
    for (const auto& f : e.fields) {
        if (f.placement.signer == e.signers[index].slot && f.placement.kind != pdf::FieldKind::signature) {
            pending->stamped[f.placement.name] = f.value;
        }
    }
    ExternalPrepared out;
    out.prepared_id = crypto::random_id("prep");
    out.digest_hex = crypto::to_hex(digest);
    out.field_name = request.field_name;
    {
        std::lock_guard<std::mutex> g(m_pending_mutex);
        // Drop stale preparations so abandoned ones do not accumulate.
        for (auto it = m_pending.begin(); it != m_pending.end();) {
            it = it->second->expires_at < m_clock.now() ? m_pending.erase(it) : std::next(it);
        }
        m_pending[out.prepared_id] = pending;
    }
    (void)m_audit.append(
        {.actor = who.user_id,
         .action = audit_action::envelope_prepare_external,
         .object = e.id,
         .case_id = e.case_id,
         .decision = "ok",
         .reason = "prepared for a signature with the signer's own certificate (" + info->common_name + ")",
         .details = ""},
        req);
    return out;
}

std::shared_ptr<ExternalSigning::Pending>
ExternalSigning::take(const Principal& who, const std::string& envelope_id, const std::string& prepared_id) {
    std::lock_guard<std::mutex> g(m_pending_mutex);
    const auto it = m_pending.find(prepared_id);
    if (it == m_pending.end() || it->second->user_id != who.user_id ||
        it->second->envelope_id != envelope_id) {
        return nullptr;
    }
    auto pending = it->second;
    m_pending.erase(it);
    return pending;
}

Result<Envelope> ExternalSigning::complete(const Principal& who, const std::string& envelope_id,
                                           const std::string& prepared_id, const Bytes& cms_der,
                                           const RequestInfo& req) {
    const std::shared_ptr<Pending> pending = take(who, envelope_id, prepared_id);
    if (!pending || pending->expires_at < m_clock.now()) {
        return make_error(Errc::gone,
                          "That preparation expired or does not exist; prepare the signature again.");
    }
    auto lock = m_records.lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = KV_TRY_VALUE(m_records.load_for(who, envelope_id, false));
    const std::size_t index = KV_TRY_VALUE(m_records.my_signer(who, e));
    KV_TRY(m_acts.check_turn(e, index));
    if (pending->prepared.pdf.empty()) {
        return make_error(Errc::internal, "prepared document missing");
    }
    // The document must not have moved on since the preparation (another signer in the group).
    auto current = KV_TRY_VALUE(m_vault.read_bytes(e.document_id, e.current_version));
    if (current.size() > pending->prepared.pdf.size() ||
        !std::equal(current.begin(), current.end(), pending->prepared.pdf.begin())) {
        return make_error(Errc::conflict, "Someone signed in the meantime; prepare your signature again.");
    }
    auto check = crypto::cms_verify(cms_der, pending->digest, {});
    if (!check) {
        return make_error(Errc::invalid_input,
                          "The signature is not a valid CMS structure: " + check.error().message);
    }
    auto declared = crypto::describe_certificate(pending->certificate_pem);
    if (check->message_digest != crypto::CheckState::passed ||
        check->signature != crypto::CheckState::passed || !declared ||
        check->signer.fingerprint != declared->fingerprint) {
        return make_error(Errc::invalid_input,
                          "The signature does not match the prepared document or the declared certificate.");
    }
    auto signed_pdf = KV_TRY_VALUE(pdf::inject_signature(pending->prepared, cms_der));
    EnvelopeSigner& s = e.signers[index];
    s.signature_field = pending->prepared.field_name;
    s.signature_id = pending->signature_id;
    // Field values were fixed (and drawn) when the signature was prepared.
    for (auto& f : e.fields) {
        if (f.placement.signer == s.slot) {
            const auto it = pending->stamped.find(f.placement.name);
            if (it != pending->stamped.end()) {
                f.value = it->second;
            }
        }
    }
    return m_acts.apply_signature(who, std::move(e), index, signed_pdf, declared->fingerprint,
                                  "own certificate", pending->act, req);
}

} // namespace kinvault::services
