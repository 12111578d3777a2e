#include "services/signing.h"

namespace kinvault::services {

Signing::Signing(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit, Accounts& accounts,
                 ReleaseGate& gate, Vault& vault, Notifier& notifier, pdf::PdfGateway& pdf,
                 const Clock& clock, PracticeKeys keys, std::string templates_dir)
    : m_templates(std::move(templates_dir)), m_records(store, barrier, audit, gate, clock),
      m_consents(store, barrier, audit, clock),
      m_pdf_signer(pdf, keys.root.certificate_pem, std::move(keys.seal), keys.practice_name),
      m_signer_keys(store, barrier, clock, std::move(keys.root), keys.practice_name),
      m_notices(notifier, clock), m_completion(store, audit, vault, m_records, m_templates, m_pdf_signer,
                                               m_notices, pdf, clock, keys.practice_name),
      m_acts(store, audit, accounts, vault, m_records, m_consents, m_signer_keys, m_pdf_signer, m_notices,
             m_completion, clock),
      m_external(audit, vault, m_records, m_acts, pdf, clock),
      m_envelopes(store, barrier, audit, gate, vault, m_records, m_templates, m_notices, pdf, clock,
                  keys.practice_name) {}

std::string Signing::slot_of(const Principal& who, const Envelope& e) const {
    auto index = m_records.my_signer(who, e);
    return index ? e.signers[*index].slot : std::string();
}

} // namespace kinvault::services
