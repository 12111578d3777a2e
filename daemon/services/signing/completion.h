// When the last signer has signed: the final practice seal over the executed document, the certificate of
// completion (rendered from its template, sealed by the practice), both stored in the vault, the signers
// told, and the completion hook run (the consent engine activates the ROI an envelope executes).
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "pdf/gateway.h"
#include "pdf/template.h"
#include "services/audit.h"
#include "services/documents/vault.h"
#include "services/signing/envelope_records.h"
#include "services/signing/notices.h"
#include "services/signing/pdf_signer.h"
#include "services/signing/templates.h"
#include "storage/store.h"

#include <functional>
#include <string>

namespace kinvault::services {

class Completion {
public:
    Completion(storage::Store& store, AuditLog& audit, Vault& vault, EnvelopeRecords& records,
               const Templates& templates, PdfSigner& signer, SignerNotices& notices, pdf::PdfGateway& pdf,
               const Clock& clock, std::string practice_name);

    // Called inside the completing transaction (consent engine: activate the ROI; agreement: set the mode).
    using Hook = std::function<Status(const Envelope&, const RequestInfo&)>;
    void on_completed(Hook hook) { m_on_completed = std::move(hook); }

    // Seals the executed document, makes the certificate of completion and stores both.
    [[nodiscard]] Status complete(Envelope& e, const RequestInfo& req);

private:
    // What the certificate of completion template is filled with: routing, hashes, every signer's evidence
    // and the envelope's event trail.
    [[nodiscard]] pdf::TemplateValues certificate_values(const Envelope& e, UnixTime now);
    [[nodiscard]] Result<Bytes> certificate_of_completion(const Envelope& e, UnixTime now);
    [[nodiscard]] Status store_executed(Envelope& e, const Bytes& sealed, const Bytes& certificate,
                                        const RequestInfo& req);

    storage::Store& m_store;
    AuditLog& m_audit;
    Vault& m_vault;
    EnvelopeRecords& m_records;
    const Templates& m_templates;
    PdfSigner& m_signer;
    SignerNotices& m_notices;
    pdf::PdfGateway& m_pdf;
    const Clock& m_clock;
    std::string m_practice_name;
    Hook m_on_completed;
};

} // namespace kinvault::services
