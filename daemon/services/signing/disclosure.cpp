#include "services/signing/disclosure.h"

#include "services/audit_actions.h"
#include "json/writer.h"

namespace kinvault::services {

namespace {
constexpr const char* k_record_kind = "esign-consent";
}

const Disclosure& current_disclosure() {
    static const Disclosure d{
        "2026-11-01",
        "Consent to use electronic records and signatures\n\n"
        "Before you sign electronically, please read this notice (15 U.S.C. 7001(c); California Civil Code "
        "1633.1 and following).\n\n"
        "1. You may choose to receive and sign these documents on paper instead. Ask the practice and it "
        "will "
        "send you a paper copy to sign, at no charge.\n"
        "2. Your consent covers the documents of this reunification case that the practice sends you through "
        "Kinvault: agreements, releases of information and related forms.\n"
        "3. You may withdraw this consent at any time, in Kinvault or by telling the practice. Withdrawal "
        "applies "
        "going forward: documents you have already signed stay signed.\n"
        "4. You can get a paper copy of anything you sign by asking the practice, and you can download your "
        "own "
        "signed copy in Kinvault at any time.\n"
        "5. To view and keep these records you need a device with a current web browser (or the kinvault "
        "command "
        "line), an e-mail address, and the ability to open or save PDF files.\n"
        "6. If your e-mail address changes, tell the practice.\n\n"
        "By accepting, you agree to use electronic records and signatures for these documents, and you "
        "confirm "
        "that you can view and keep them as described above."};
    return d;
}

std::string_view to_string(EsignConsentState s) {
    return s == EsignConsentState::accepted ? "accepted" : "withdrawn";
}

std::optional<EsignConsentState> parse_esign_consent_state(std::string_view text) {
    if (text == "accepted") {
        return EsignConsentState::accepted;
    }
    if (text == "withdrawn") {
        return EsignConsentState::withdrawn;
    }
    return std::nullopt;
}

EsignConsents::EsignConsents(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit,
                             const Clock& clock)
    : m_store(store), m_barrier(barrier), m_audit(audit), m_clock(clock) {}

Result<bool> EsignConsents::standing(const std::string& user_id) const {
    auto consent = KV_TRY_VALUE(m_store.record(k_record_kind, user_id));
    return consent.has_value() && parse_esign_consent_state(consent->state) == EsignConsentState::accepted;
}

storage::SealedRecord EsignConsents::acceptance(const Principal& who, const std::string& version,
                                                const RequestInfo& req) const {
    storage::SealedRecord c;
    c.kind = k_record_kind;
    c.id = who.user_id;
    c.state = std::string(to_string(EsignConsentState::accepted));
    c.updated_at = m_clock.now();
    json::ObjectWriter w;
    w.field("version", version).field("at", format_utc(c.updated_at)).field("client", req.client_address);
    m_barrier.seal_record(c, w.str());
    return c;
}

Status EsignConsents::withdraw(const Principal& who, const RequestInfo& req) {
    storage::SealedRecord c;
    c.kind = k_record_kind;
    c.id = who.user_id;
    c.state = std::string(to_string(EsignConsentState::withdrawn));
    c.updated_at = m_clock.now();
    json::ObjectWriter w;
    w.field("withdrawn_at", format_utc(c.updated_at)).field("client", req.client_address);
    m_barrier.seal_record(c, w.str());
    return m_store.transaction([&]() -> Status {
        KV_TRY(m_store.put_record(c));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::esign_withdraw,
                               .object = who.user_id,
                               .case_id = "",
                               .decision = "ok",
                               .reason = "consent to sign electronically withdrawn (going forward)",
                               .details = ""},
                              req);
    });
}

} // namespace kinvault::services
