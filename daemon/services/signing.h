// Multi-party e-signing (issue 4): templates -> envelopes -> one PAdES signature per signer, each made with
// that signer's own key certified by the practice CA, then a certificate of completion and a final practice
// seal. Every PDF operation runs in the sandboxed worker; keys and CMS stay in this process.
//
// This class only assembles the use cases, each in its own file under services/signing/:
//   templates       the .kvt templates            envelopes     create, send, remind, void, expire, list
//   signing_act     one signer views/consents/signs/declines
//   external        signing with one's own certificate (prepare, then complete)
//   completion      final seal and certificate of completion
//   signer_keys     per-signer keys and certificates    pdf_signer   PAdES signatures and the practice seal
//   disclosure      the ESIGN disclosure and each user's consent  notices  the e-mails
//   envelope_records  sealed envelope records, locks, visibility    envelope(_codec)  the record itself
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/ca.h"
#include "pdf/gateway.h"
#include "services/accounts.h"
#include "services/audit.h"
#include "services/documents/vault.h"
#include "services/notifier.h"
#include "services/release_gate.h"
#include "services/signing/completion.h"
#include "services/signing/disclosure.h"
#include "services/signing/envelope.h"
#include "services/signing/envelope_records.h"
#include "services/signing/envelopes.h"
#include "services/signing/external.h"
#include "services/signing/notices.h"
#include "services/signing/pdf_signer.h"
#include "services/signing/signer_keys.h"
#include "services/signing/signing_act.h"
#include "services/signing/templates.h"
#include "storage/store.h"

#include <string>
#include <vector>

namespace kinvault::services {

// The practice's own keys, unsealed at start.
struct PracticeKeys {
    crypto::CertifiedKey root; // the practice root CA (issues signer certificates)
    crypto::CertifiedKey seal; // the practice seal (certificates of completion, final seal)
    std::string practice_name;
};

class Signing {
public:
    Signing(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit, Accounts& accounts,
            ReleaseGate& gate, Vault& vault, Notifier& notifier, pdf::PdfGateway& pdf, const Clock& clock,
            PracticeKeys keys, std::string templates_dir);

    [[nodiscard]] Result<std::vector<TemplateInfo>> templates() const { return m_templates.all(); }
    [[nodiscard]] Result<TemplateInfo> template_named(const std::string& name) const {
        return m_templates.named(name);
    }

    [[nodiscard]] Result<Envelope> create(const Principal& who, EnvelopeRequest request,
                                          const RequestInfo& req) {
        return m_envelopes.create(who, std::move(request), req);
    }
    [[nodiscard]] Result<Envelope> send(const Principal& who, const std::string& envelope_id,
                                        const RequestInfo& req) {
        return m_envelopes.send(who, envelope_id, req);
    }
    [[nodiscard]] Result<Envelope> remind(const Principal& who, const std::string& envelope_id,
                                          const RequestInfo& req) {
        return m_envelopes.remind(who, envelope_id, req);
    }
    [[nodiscard]] Result<Envelope> void_envelope(const Principal& who, const std::string& envelope_id,
                                                 const std::string& reason, const RequestInfo& req) {
        return m_envelopes.void_envelope(who, envelope_id, reason, req);
    }
    [[nodiscard]] Result<Envelope> status(const Principal& who, const std::string& envelope_id) {
        return m_envelopes.status(who, envelope_id);
    }
    [[nodiscard]] Result<std::vector<Envelope>> list(const Principal& who, const std::string& case_id) {
        return m_envelopes.list(who, case_id);
    }
    // Marks sent envelopes past their expiry as expired (called periodically and on access).
    [[nodiscard]] Result<int> expire_due(const RequestInfo& req) { return m_envelopes.expire_due(req); }

    // The signer's view: the exact bytes they are asked to sign (records "opened").
    using Viewed = ViewedDocument;
    [[nodiscard]] Result<Viewed> view(const Principal& who, const std::string& envelope_id,
                                      const RequestInfo& req) {
        return m_acts.view(who, envelope_id, req);
    }
    [[nodiscard]] Status consent(const Principal& who, const std::string& envelope_id,
                                 const std::string& version, bool accept, const RequestInfo& req) {
        return m_acts.consent(who, envelope_id, version, accept, req);
    }
    [[nodiscard]] Status withdraw_consent(const Principal& who, const RequestInfo& req) {
        return m_consents.withdraw(who, req);
    }
    [[nodiscard]] Result<Envelope> sign(const Principal& who, const std::string& envelope_id, SignAct act,
                                        const RequestInfo& req) {
        return m_acts.sign(who, envelope_id, std::move(act), req);
    }
    [[nodiscard]] Result<Envelope> decline(const Principal& who, const std::string& envelope_id,
                                           const std::string& reason, const RequestInfo& req) {
        return m_acts.decline(who, envelope_id, reason, req);
    }

    // Bring your own certificate: the server prepares, the client signs the digest, the server injects.
    [[nodiscard]] Result<ExternalPrepared> prepare_external(const Principal& who,
                                                            const std::string& envelope_id, SignAct act,
                                                            const std::string& certificate_pem,
                                                            const std::vector<std::string>& chain_pem,
                                                            const RequestInfo& req) {
        return m_external.prepare(who, envelope_id, std::move(act), certificate_pem, chain_pem, req);
    }
    [[nodiscard]] Result<Envelope> complete_external(const Principal& who, const std::string& envelope_id,
                                                     const std::string& prepared_id, const Bytes& cms_der,
                                                     const RequestInfo& req) {
        return m_external.complete(who, envelope_id, prepared_id, cms_der, req);
    }

    // Called when an envelope completes (consent engine: activate the ROI; agreement: set the process mode).
    using CompletionHook = Completion::Hook;
    void on_completed(CompletionHook hook) { m_completion.on_completed(std::move(hook)); }

    [[nodiscard]] Result<Envelope> load(const std::string& envelope_id) const {
        return m_records.load(envelope_id);
    }
    // The viewer's signer slot in the envelope, empty when they do not sign it.
    [[nodiscard]] std::string slot_of(const Principal& who, const Envelope& e) const;
    [[nodiscard]] Status save(const Envelope& e) { return m_records.save(e); }

private:
    Templates m_templates;
    EnvelopeRecords m_records;
    EsignConsents m_consents;
    PdfSigner m_pdf_signer; // before m_signer_keys: it copies the root certificate the latter takes
    SignerKeys m_signer_keys;
    SignerNotices m_notices;
    Completion m_completion;
    SigningActs m_acts;
    ExternalSigning m_external;
    Envelopes m_envelopes;
};

} // namespace kinvault::services
