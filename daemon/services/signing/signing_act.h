// One signer's part in an envelope: reviewing the exact bytes (recorded as "opened"), accepting the
// e-sign disclosure, signing with their practice-issued key, or declining. The checks before a signature
// and the recording after it are shared with signing by one's own certificate (external.h).
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "crypto/secret.h"
#include "pdf/sign.h"
#include "services/accounts.h"
#include "services/audit.h"
#include "services/documents/vault.h"
#include "services/signing/completion.h"
#include "services/signing/disclosure.h"
#include "services/signing/envelope_records.h"
#include "services/signing/notices.h"
#include "services/signing/pdf_signer.h"
#include "services/signing/signer_keys.h"
#include "storage/store.h"

#include <map>
#include <string>

namespace kinvault::services {

struct SignAct {
    std::string viewed_sha256;
    bool intent{false};
    std::string typed_signature;
    std::string drawn_signature_png; // base64, optional evidence
    std::map<std::string, std::string> fields;
    crypto::Secret password;
    std::string totp;
};

// The signer's view: the exact bytes they are asked to sign.
struct ViewedDocument {
    Bytes pdf;
    std::string sha256;
    std::int64_t version{0};
};

class SigningActs {
public:
    SigningActs(storage::Store& store, AuditLog& audit, Accounts& accounts, Vault& vault,
                EnvelopeRecords& records, EsignConsents& consents, SignerKeys& keys, PdfSigner& signer,
                SignerNotices& notices, Completion& completion, const Clock& clock);

    [[nodiscard]] Result<ViewedDocument> view(const Principal& who, const std::string& envelope_id,
                                              const RequestInfo& req);
    [[nodiscard]] Status consent(const Principal& who, const std::string& envelope_id,
                                 const std::string& version, bool accept, const RequestInfo& req);
    [[nodiscard]] Result<Envelope> sign(const Principal& who, const std::string& envelope_id, SignAct act,
                                        const RequestInfo& req);
    [[nodiscard]] Result<Envelope> decline(const Principal& who, const std::string& envelope_id,
                                           const std::string& reason, const RequestInfo& req);

    // Shared with ExternalSigning.
    // Whether the envelope is waiting for this signer now.
    [[nodiscard]] Status check_turn(const Envelope& e, std::size_t index) const;
    // Everything a signature needs first: the turn, the disclosure, review of these bytes, intent, an
    // adopted signature, and re-authentication.
    [[nodiscard]] Status check_act(const Principal& who, const Envelope& e, std::size_t index,
                                   const SignAct& act, const RequestInfo& req);
    // The signature field and the values of the signer's other fields (dates and initials filled in).
    [[nodiscard]] Result<pdf::SignatureRequest>
    signature_request(Envelope& e, std::size_t index, const SignAct& act, const std::string& signer_name);
    // Stores the signed version, records the evidence, tells the next group, completes when all signed.
    [[nodiscard]] Result<Envelope> apply_signature(const Principal& who, Envelope e, std::size_t index,
                                                   const Bytes& signed_pdf, const std::string& fingerprint,
                                                   const std::string& mode, const SignAct& act,
                                                   const RequestInfo& req);

private:
    storage::Store& m_store;
    AuditLog& m_audit;
    Accounts& m_accounts;
    Vault& m_vault;
    EnvelopeRecords& m_records;
    EsignConsents& m_consents;
    SignerKeys& m_keys;
    PdfSigner& m_signer;
    SignerNotices& m_notices;
    Completion& m_completion;
    const Clock& m_clock;
};

} // namespace kinvault::services
