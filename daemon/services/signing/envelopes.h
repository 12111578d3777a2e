// Preparing and managing envelopes, the sender's side: create one from a template or from a stored
// document (signers checked, fields placed), send it, remind, void, and expire it; the status and lists.
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "pdf/gateway.h"
#include "pdf/stamp.h"
#include "pdf/template.h"
#include "services/audit.h"
#include "services/documents/vault.h"
#include "services/release_gate.h"
#include "services/signing/envelope_records.h"
#include "services/signing/notices.h"
#include "services/signing/templates.h"
#include "storage/store.h"

#include <string>
#include <vector>

namespace kinvault::services {

struct SignerSpec {
    std::string slot;
    std::string party_id;
    std::string capacity; // empty: clinician for the case's clinician, else self
    std::string authority;
    int group{1};
};

struct FieldSpec { // fields on an uploaded document
    std::string name;
    std::string slot;
    std::string kind; // signature | initials | date | text | checkbox
    int page{0};      // 0-based; -1 = last page
    pdf::Rect rect{};
};

struct EnvelopeRequest {
    std::string case_id;
    std::string title;
    std::string template_name; // from a template ...
    pdf::TemplateValues values;
    std::string document_id; // ... or from a stored document
    std::vector<SignerSpec> signers;
    std::vector<FieldSpec> fields;
    std::int64_t expires_in_days{14};
    std::string roi_id;
    // Values the sender fills in on a stored document: drawn into its page content before any signature
    // (later changes to page content would look like tampering to a strict reader).
    std::vector<pdf::StampItem> stamps;
};

class Envelopes {
public:
    Envelopes(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit, ReleaseGate& gate,
              Vault& vault, EnvelopeRecords& records, const Templates& templates, SignerNotices& notices,
              pdf::PdfGateway& pdf, const Clock& clock, std::string practice_name);

    [[nodiscard]] Result<Envelope> create(const Principal& who, EnvelopeRequest request,
                                          const RequestInfo& req);
    [[nodiscard]] Result<Envelope> send(const Principal& who, const std::string& envelope_id,
                                        const RequestInfo& req);
    [[nodiscard]] Result<Envelope> remind(const Principal& who, const std::string& envelope_id,
                                          const RequestInfo& req);
    [[nodiscard]] Result<Envelope> void_envelope(const Principal& who, const std::string& envelope_id,
                                                 const std::string& reason, const RequestInfo& req);
    [[nodiscard]] Result<Envelope> status(const Principal& who, const std::string& envelope_id);
    [[nodiscard]] Result<std::vector<Envelope>> list(const Principal& who, const std::string& case_id);
    // Marks sent envelopes past their expiry as expired (called periodically and on access).
    [[nodiscard]] Result<int> expire_due(const RequestInfo& req);

private:
    // The signers, each a party of the case with a recognised capacity (and the authority relied on when
    // signing for someone else), with their names and addresses unsealed.
    [[nodiscard]] Status validate_signers(Envelope& e, const EnvelopeRequest& request);
    // Renders the template (filled with what the vault knows) and stores it as a new document.
    [[nodiscard]] Status from_template(Envelope& e, const EnvelopeRequest& request, const Principal& who,
                                       const CaseAccess& access, const RequestInfo& req);
    // Takes a stored document (stamping the sender's values into a new version first, if any).
    [[nodiscard]] Status from_document(Envelope& e, EnvelopeRequest& request, const Principal& who,
                                       const CaseAccess& access, const RequestInfo& req);
    // The fields on a stored document: the requested ones, and a signature box for every signer without one.
    [[nodiscard]] Status place_fields(Envelope& e, std::vector<FieldSpec> fields, std::int64_t pages);

    storage::Store& m_store;
    const barrier::Barrier& m_barrier;
    AuditLog& m_audit;
    ReleaseGate& m_gate;
    Vault& m_vault;
    EnvelopeRecords& m_records;
    const Templates& m_templates;
    SignerNotices& m_notices;
    pdf::PdfGateway& m_pdf;
    const Clock& m_clock;
    std::string m_practice_name;
};

} // namespace kinvault::services
