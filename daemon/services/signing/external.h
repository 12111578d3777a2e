// Signing with one's own certificate (a smart card, a token, a personal CA): the server prepares the
// signature field and sends the digest, the signer's software signs it, the server checks the CMS against
// the declared certificate and injects it. Preparations wait here for ten minutes at most.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "pdf/gateway.h"
#include "services/audit.h"
#include "services/documents/vault.h"
#include "services/signing/envelope_records.h"
#include "services/signing/signing_act.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kinvault::services {

struct ExternalPrepared {
    std::string prepared_id;
    std::string digest_hex;
    std::string field_name;
};

class ExternalSigning {
public:
    ExternalSigning(AuditLog& audit, Vault& vault, EnvelopeRecords& records, SigningActs& acts,
                    pdf::PdfGateway& pdf, const Clock& clock);

    [[nodiscard]] Result<ExternalPrepared> prepare(const Principal& who, const std::string& envelope_id,
                                                   SignAct act, const std::string& certificate_pem,
                                                   const std::vector<std::string>& chain_pem,
                                                   const RequestInfo& req);
    [[nodiscard]] Result<Envelope> complete(const Principal& who, const std::string& envelope_id,
                                            const std::string& prepared_id, const Bytes& cms_der,
                                            const RequestInfo& req);

private:
    struct Pending;
    // Takes (and forgets) the caller's preparation, if it is theirs and for this envelope.
    [[nodiscard]] std::shared_ptr<Pending> take(const Principal& who, const std::string& envelope_id,
                                                const std::string& prepared_id);

    AuditLog& m_audit;
    Vault& m_vault;
    EnvelopeRecords& m_records;
    SigningActs& m_acts;
    pdf::PdfGateway& m_pdf;
    const Clock& m_clock;
    std::mutex m_pending_mutex;
    std::map<std::string, std::shared_ptr<Pending>> m_pending;
};

} // namespace kinvault::services
